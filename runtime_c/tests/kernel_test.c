/* The SIMD GEMM micro-kernels against the portable scalar ones, through the same driver,
 * on tile-boundary shapes: M, N and K below, at and past a tile (MR = 6, NR = 16,
 * KC = 256), with every epilogue (row or column bias, ReLU, ReLU6). Float must agree
 * within the documented tolerance (gemm.h: K * 2^-24 * sum |a * b|, here 4x that plus a
 * tiny absolute term), int8 bit for bit; both are also checked against a plain double /
 * int64 loop. Built natively and for aarch64 (run under qemu). Exits 1 on any failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/gemm/gemm.h"
#include "../src/internal.h"
#include "../src/ops/int8/fixed.h"
#include "../src/ops/op.h"
#include "../src/ops/vmath.h"

static uint32_t rng_state = 12345u;
static float frand(void) {   /* uniform in [-1, 1) */
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 8388608.0f - 1.0f;
}
static int irand(int lo, int hi) {   /* [lo, hi] */
    rng_state = rng_state * 1664525u + 1013904223u;
    return lo + (int)((rng_state >> 8) % (uint32_t)(hi - lo + 1));
}

static union {   /* GEMM scratch, 16-byte aligned as a method's is */
    unsigned char bytes[EMBER_GEMM_I8_SCRATCH_BYTES(EMBER_GEMM_I8_MAX_K) + EMBER_GEMM_SCRATCH_BYTES];
    long double align;
} scratch_mem;
#define scratch ((void *)scratch_mem.bytes)

static int failures = 0, checks = 0;

static void f32_case(int64_t m, int64_t n, int64_t k, int transposed_b, int bias_mode, int act, int with_res) {
    float *a = malloc(sizeof(float) * (size_t)(m * k + 1)), *b = malloc(sizeof(float) * (size_t)(k * n + 1));
    float *c_ref = malloc(sizeof(float) * (size_t)(m * n)), *c_simd = malloc(sizeof(float) * (size_t)(m * n));
    float *bias = malloc(sizeof(float) * (size_t)(m > n ? m : n));
    for (int64_t i = 0; i < m * k; i++) a[i] = frand();
    for (int64_t i = 0; i < k * n; i++) b[i] = frand();
    for (int64_t i = 0; i < (m > n ? m : n); i++) bias[i] = frand();
    float *res = malloc(sizeof(float) * (size_t)(m * n + 1));   /* a fused residual, C's layout */
    for (int64_t i = 0; i < m * n; i++) res[i] = frand();
    /* B (K, N) row-major, or B = W^T with W (N, K) row-major */
    ember_f32_gemm g = {m, n, k, a, k, b, transposed_b ? 1 : n, transposed_b ? k : 1, NULL, NULL, c_ref, n,
                        bias_mode ? bias : NULL, bias_mode == 2, act, NULL, with_res ? res : NULL};
    ember_f32_gemm_run(&g, ember_f32_gemm_6x16_scalar, scratch);
    g.c = c_simd;
    ember_f32_gemm_run(&g, NULL, scratch);
    int bad = 0;
    double worst = 0.0;
    for (int64_t i = 0; i < m && !bad; i++)
        for (int64_t j = 0; j < n; j++) {
            double exact = 0.0, mag = 0.0;
            for (int64_t p = 0; p < k; p++) {
                double t = (double)a[i * k + p] * (double)(transposed_b ? b[j * k + p] : b[p * n + j]);
                exact += t;
                mag += fabs(t);
            }
            if (bias_mode) exact += (double)bias[bias_mode == 2 ? j : i], mag += fabs((double)bias[bias_mode == 2 ? j : i]);
            if (with_res) exact += (double)res[i * n + j], mag += fabs((double)res[i * n + j]);
            if (act != EMBER_ACT_NONE) exact = exact < 0.0 ? 0.0 : exact;
            if (act == EMBER_ACT_RELU6) exact = exact > 6.0 ? 6.0 : exact;
            double tol = 4.0 * (double)(k + 2) * ldexp(1.0, -24) * mag + 1e-30;
            double d1 = fabs((double)c_simd[i * n + j] - (double)c_ref[i * n + j]);
            double d2 = fabs((double)c_ref[i * n + j] - exact);
            if (d1 / tol > worst) worst = d1 / tol;
            if (d1 > tol || d2 > tol || c_simd[i * n + j] != c_simd[i * n + j]) {
                printf("FAIL f32 m=%lld n=%lld k=%lld bt=%d bias=%d act=%d at (%lld, %lld): scalar %.9g simd %.9g exact %.9g\n",
                       (long long)m, (long long)n, (long long)k, transposed_b, bias_mode, act, (long long)i, (long long)j,
                       (double)c_ref[i * n + j], (double)c_simd[i * n + j], exact);
                bad = 1;
                break;
            }
        }
    if (transposed_b && !bad) {   /* W stored PANELS16, panels read in place: the same bits */
        int64_t n16 = n - n % EMBER_GEMM_NR;
        float *packed = malloc(sizeof(float) * (size_t)(k * n + 1)), *c_packed = malloc(sizeof(float) * (size_t)(m * n));
        for (int64_t j = 0; j < n; j++)
            for (int64_t p = 0; p < k; p++)
                packed[j < n16 ? (j / EMBER_GEMM_NR * k + p) * EMBER_GEMM_NR + j % EMBER_GEMM_NR : j * k + p] = b[j * k + p];
        g.b = g.b_panels = packed;
        g.c = c_packed;
        ember_f32_gemm_run(&g, NULL, scratch);
        if (memcmp(c_packed, c_simd, sizeof(float) * (size_t)(m * n)) != 0) {
            printf("FAIL f32 PANELS16 m=%lld n=%lld k=%lld: differs from the packed-at-run-time result\n",
                   (long long)m, (long long)n, (long long)k);
            bad = 1;
        }
        free(packed), free(c_packed);
    }
    checks++;
    failures += bad;
    free(a), free(b), free(c_ref), free(c_simd), free(bias), free(res);
}

/* ember_f32_gemv_panel (SIMD where built) against the scalar version and exact sums. */
static void gemv_panel_cases(void) {
    static const int64_t ks[] = {0, 1, 2, 3, 4, 5, 7, 8, 255, 784};
    static float x[800], panel[800 * EMBER_GEMM_NR];
    for (size_t c = 0; c < sizeof ks / sizeof *ks; c++) {
        int64_t k = ks[c];
        for (int64_t i = 0; i < k; i++) x[i] = frand();
        for (int64_t i = 0; i < k * EMBER_GEMM_NR; i++) panel[i] = frand();
        float got[EMBER_GEMM_NR], ref[EMBER_GEMM_NR];
        ember_f32_gemv_panel(x, panel, k, got);
        ember_f32_gemv_panel_scalar(x, panel, k, ref);
        for (int j = 0; j < EMBER_GEMM_NR; j++) {
            double exact = 0.0, mag = 0.0;
            for (int64_t p = 0; p < k; p++) {
                exact += (double)x[p] * (double)panel[p * EMBER_GEMM_NR + j];
                mag += fabs((double)x[p] * (double)panel[p * EMBER_GEMM_NR + j]);
            }
            double tol = 4.0 * (double)(k + 2) * ldexp(1.0, -24) * mag + 1e-30;
            if (fabs((double)got[j] - exact) > tol || fabs((double)ref[j] - exact) > tol || got[j] != got[j]) {
                printf("FAIL gemv panel k=%ld column %d: simd %.9g scalar %.9g exact %.9g\n", (long)k, j,
                       (double)got[j], (double)ref[j], exact);
                failures++;
                break;
            }
        }
        checks++;
    }
}

/* int8: A (M, K) int8 weights, B (K, N) int16 in [-255, 255] given by a pack callback. */
typedef struct i8_ctx { const int16_t *b; int64_t n; int32_t *c; int64_t ldc; int32_t b_zp; } i8_ctx;
static void pack_b(const void *ctx, int64_t k, int64_t j0, int64_t nc, int16_t *panel) {
    const i8_ctx *t = (const i8_ctx *)ctx;
    int64_t k2 = (k + 1) / 2;
    memset(panel, 0, (size_t)(k2 * 2 * EMBER_GEMM_NR) * sizeof(int16_t));
    for (int64_t p = 0; p < k; p++)
        for (int64_t j = 0; j < nc; j++) panel[(p / 2) * 2 * EMBER_GEMM_NR + 2 * j + p % 2] = t->b[p * t->n + j0 + j];
}
#if defined(EMBER_GEMM_I8_QUADS)
/* The same B written directly as quads (x = b + b_zp, b_zp past K and nc), through
 * ember_i8_quads_of_taps as an op's packer does. */
static void pack_b_quads(const void *ctx, int64_t k, int64_t j0, int64_t nc, int32_t offset, uint8_t *panel) {
    const i8_ctx *t = (const i8_ctx *)ctx;
    int8_t rows[4 * EMBER_GEMM_NR];
    const int8_t *ptrs[4] = {rows, rows + EMBER_GEMM_NR, rows + 2 * EMBER_GEMM_NR, rows + 3 * EMBER_GEMM_NR};
    for (int64_t q = 0; q < (k + 3) / 4; q++) {
        for (int u = 0; u < 4; u++)
            for (int64_t j = 0; j < EMBER_GEMM_NR; j++) {
                int64_t p = 4 * q + u;
                rows[u * EMBER_GEMM_NR + j] = (int8_t)(p < k && j < nc ? t->b[p * t->n + j0 + j] + t->b_zp : t->b_zp);
            }
        ember_i8_quads_of_taps(ptrs, offset, panel + q * 4 * EMBER_GEMM_NR);
    }
}
#endif
static void store_c(void *ctx, int64_t i0, int64_t rows, int64_t j0, int64_t cols, const int32_t *tile) {
    i8_ctx *t = (i8_ctx *)ctx;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < cols; j++) t->c[(i0 + r) * t->ldc + j0 + j] = tile[r * EMBER_GEMM_NR + j];
}

/* a_zp: A's zero point (an int8 activation as A, BATCH_MATMUL); 0 for weights. B holds
 * int8 values minus b_zp, as the ops' packers write it. */
static void i8_case(int64_t m, int64_t n, int64_t k, int extreme, int32_t a_zp, int32_t b_zp) {
    int8_t *a = malloc((size_t)(m * k + 1));
    int16_t *b = malloc(sizeof(int16_t) * (size_t)(k * n + 1));
    int32_t *c_ref = malloc(sizeof(int32_t) * (size_t)(m * n)), *c_simd = malloc(sizeof(int32_t) * (size_t)(m * n));
    int32_t *c_pairs = malloc(sizeof(int32_t) * (size_t)(m * n));
    for (int64_t i = 0; i < m * k; i++) a[i] = (int8_t)(extreme ? (a_zp ? 127 : -127) : irand(a_zp ? -128 : -127, 127));
    for (int64_t i = 0; i < k * n; i++) b[i] = (int16_t)((extreme ? -128 : irand(-128, 127)) - b_zp);
    i8_ctx ctx = {b, n, c_ref, n, b_zp};
    ember_i8_gemm g = {m, n, k, a, k, pack_b, &ctx, store_c, &ctx, a_zp, b_zp, NULL};
    ember_i8_gemm_run(&g, ember_i8_gemm_6x16_scalar, scratch);
    ctx.c = c_simd;
    ember_i8_gemm_run(&g, NULL, scratch);   /* this build's path: 4-tap quads where it has them */
    ctx.c = c_pairs;
    ember_i8_gemm_run(&g, ember_i8_gemm_ukernel(), scratch);   /* its 16-bit pair kernel */
    int32_t *c_quads = malloc(sizeof(int32_t) * (size_t)(m * n));
    memcpy(c_quads, c_simd, sizeof(int32_t) * (size_t)(m * n));
#if defined(EMBER_GEMM_I8_QUADS)
    ctx.c = c_quads;                                          /* quads packed directly */
    g.pack_quads = pack_b_quads;
    ember_i8_gemm_run(&g, NULL, scratch);
#endif
    int bad = 0;
    for (int64_t i = 0; i < m && !bad; i++)
        for (int64_t j = 0; j < n; j++) {
            int64_t exact = 0;
            for (int64_t p = 0; p < k; p++) exact += ((int64_t)a[i * k + p] - a_zp) * b[p * n + j];
            if (c_ref[i * n + j] != exact || c_simd[i * n + j] != exact || c_pairs[i * n + j] != exact ||
                c_quads[i * n + j] != exact) {
                printf("FAIL i8 m=%lld n=%lld k=%lld at (%lld, %lld): scalar %ld simd %ld pairs %ld quads %ld exact %lld\n",
                       (long long)m, (long long)n, (long long)k, (long long)i, (long long)j, (long)c_ref[i * n + j],
                       (long)c_simd[i * n + j], (long)c_pairs[i * n + j], (long)c_quads[i * n + j], (long long)exact);
                bad = 1;
                break;
            }
        }
    checks++;
    failures += bad;
    free(a), free(b), free(c_ref), free(c_simd), free(c_pairs), free(c_quads);
}

/* The requantization and mbqm rows of this build against the scalar ones, bit for bit: random and
 * extreme accumulators, biases that push the sum out of int32, every shift the loader
 * accepts, multipliers from 0 to INT32_MAX, lengths around the 8-lane width. */
static void requant_cases(void) {
    static const int32_t extremes[] = {0, 1, -1, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 1 << 30,
                                       -(1 << 30), 12345678, -12345678, 255, -256};
    static const int32_t biases[] = {0, 7, -7, INT32_MAX, INT32_MIN, 1 << 29, -(1 << 29)};
    static const int32_t mults[] = {0, 1, 1 << 30, INT32_MAX, 1518500250, 1073741825};
    int32_t acc[37], mbqm_want[37], mbqm_got[37];
    int8_t want[37], got[37];
    int bad = 0, cases = 0;
    for (int32_t s = -31; s <= 30 && !bad; s++)
        for (size_t bi = 0; bi < sizeof biases / sizeof *biases && !bad; bi++)
            for (size_t mi = 0; mi < sizeof mults / sizeof *mults + 2 && !bad; mi++) {
                int32_t m = mi < sizeof mults / sizeof *mults ? mults[mi] : (int32_t)(rng_state >> 1);
                int n = 1 + (int)(mi * 7 + bi) % 37, zp = irand(-128, 127), lo = irand(-128, 0), hi = irand(0, 127);
                for (int j = 0; j < n; j++) {
                    rng_state = rng_state * 1664525u + 1013904223u;
                    acc[j] = j % 3 == 0 ? extremes[(size_t)irand(0, (int)(sizeof extremes / sizeof *extremes) - 1)]
                                        : (int32_t)rng_state >> (rng_state % 24);
                }
                ember_requantize_row_scalar(acc, n, biases[bi], m, s, zp, lo, hi, want);
                ember_requantize_row(acc, n, biases[bi], m, s, zp, lo, hi, got);
                ember_mbqm_row_scalar(acc, n, m, s, mbqm_want);
                ember_mbqm_row(acc, n, m, s, mbqm_got);
                for (int j = 0; j < n && !bad; j++)
                    if (want[j] != got[j] || mbqm_want[j] != mbqm_got[j]) {
                        printf("FAIL requantize acc=%ld bias=%ld m=%ld s=%d zp=%d [%d, %d]: scalar %d simd %d, "
                               "mbqm scalar %ld simd %ld\n", (long)acc[j], (long)biases[bi], (long)m, (int)s, zp, lo,
                               hi, want[j], got[j], (long)mbqm_want[j], (long)mbqm_got[j]);
                        bad = 1;
                    }
                cases++;
            }
    checks += cases;
    failures += bad;
}

/* ember_dot4_f32 (SIMD where built) against four ember_dot_f32 calls, bit for bit, on
 * lengths around the 8-lane width. */
static void dot4_cases(void) {
    static const int64_t ks[] = {0, 1, 7, 8, 9, 15, 16, 17, 63, 784};
    static float a[800], b[4 * 801];
    for (size_t c = 0; c < sizeof ks / sizeof *ks; c++) {
        int64_t k = ks[c], ldb = k + (int64_t)c % 2;   /* rows apart by k or k + 1 */
        for (int64_t i = 0; i < k; i++) a[i] = frand();
        for (int64_t i = 0; i < 4 * ldb; i++) b[i] = frand();
        float got[4];
        ember_dot4_f32(a, b, ldb, k, got);
        for (int v = 0; v < 4; v++) {
            float want = ember_dot_f32(a, b + v * ldb, k);
            if (memcmp(&want, &got[v], sizeof want) != 0) {
                printf("FAIL dot4 k=%ld row %d: %.9g, want %.9g\n", (long)k, v, (double)got[v], (double)want);
                failures++;
                break;
            }
        }
        checks++;
    }
}

/* src/ops/vmath.h: the row kernels (SIMD where built) give the scalar functions' bits, and
 * the scalar functions stay within their documented bounds of libm in double, over a
 * dense grid, tiny values and the special values. */
static double ulps(double got, double want) {
    float w = (float)fabs(want);
    double ulp = (double)nextafterf(w, INFINITY) - (double)w;
    return fabs(got - want) / ulp;
}

static void vmath_cases(void) {
    enum { N = 200003 };
    static float x[N], y[N];
    static const float special[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 0.625f, -0.625f, 14.0f, -14.0f,
                                    30.0f, -30.0f, 1e30f, -1e30f, INFINITY, -INFINITY, NAN};
    static const char *names[] = {"tanh", "gelu", "gelu_tanh", "exp"};
    for (int fn = EMBER_VM_TANH; fn <= EMBER_VM_EXP; fn++) {
        int64_t n = 0;
        float lo = fn == EMBER_VM_EXP ? -90.0f : -16.0f, span = fn == EMBER_VM_EXP ? 178.0f : 32.0f;   /* exp: to 88 */
        for (; n < N - 17; n++) x[n] = lo + span * (float)n / (float)(N - 17);
        for (size_t i = 0; i < sizeof special / sizeof *special; i++) x[n++] = special[i];
        ember_vm_row(fn, x, y, n);
        double worst = 0.0;
        float at = 0.0f;
        int bad = 0;
        for (int64_t i = 0; i < n && !bad; i++) {
            float s = fn == EMBER_VM_TANH ? ember_vm_tanh(x[i]) : fn == EMBER_VM_GELU ? ember_vm_gelu(x[i])
                    : fn == EMBER_VM_EXP ? ember_vm_exp(x[i]) : ember_vm_gelu_tanh(x[i]);
            double v = (double)x[i], want;
            if (fn == EMBER_VM_TANH)
                want = tanh(v);
            else if (fn == EMBER_VM_GELU)
                want = 0.5 * v * erfc(-v * 0.7071067811865476);
            else if (fn == EMBER_VM_EXP)
                want = exp(v);
            else
                want = v / (1.0 + exp(-2.0 * 0.7978845608028654 * (v + 0.044715 * v * v * v)));
            if (isnan(want) || isnan((double)s)) {
                if (isnan(want) != isnan((double)s) || isnan((double)y[i]) != isnan((double)s))
                    bad = 1, worst = (double)s, at = x[i];
                continue;
            }
            if (memcmp(&s, &y[i], sizeof s) != 0) {
                printf("FAIL vmath %s(%.9g): row %.9g, scalar %.9g\n", names[fn], (double)x[i], (double)y[i], (double)s);
                bad = 1;
                break;
            }
            if (isinf(want) || fabs(want) > 3e38) {
                if ((double)s != (double)(float)want) bad = 1, worst = (double)s, at = x[i];
                continue;
            }
            /* e: the error in units of its bound (ok while e <= 1) */
            double err = fabs((double)s - want), e;
            if (fn == EMBER_VM_GELU_TANH && fabs(v) > 3.0)   /* relative, and past exp's range absolute */
                e = err / (2e-5 * fabs(want) + 1e-36);
            else if (fabs(want) < 1e-30)                      /* near float's smallest normal: absolute */
                e = err / 1e-36;
            else
                e = ulps((double)s, want) / (fn == EMBER_VM_TANH || fn == EMBER_VM_EXP ? 2.0 : fn == EMBER_VM_GELU ? 8.0 : 16.0);
            if (e > worst) worst = e, at = x[i];
            if (e > 1.0) bad = 1;
        }
        if (bad || getenv("EMBER_VMATH_SHOW"))   /* EMBER_VMATH_SHOW=1: the margins */
            printf("%s vmath %s: worst %.2f of the bound at %.9g\n", bad ? "FAIL" : "ok", names[fn], worst, (double)at);
        failures += bad;
        checks++;
    }
}

int main(void) {
    static const int64_t ms[] = {1, 5, 6, 7, 13}, ns[] = {1, 15, 16, 17, 33}, ks[] = {0, 1, 7, 255, 256, 257, 600};
    for (size_t x = 0; x < sizeof ms / sizeof *ms; x++)
        for (size_t y = 0; y < sizeof ns / sizeof *ns; y++)
            for (size_t z = 0; z < sizeof ks / sizeof *ks; z++) {
                int v = (int)(x + y + z);
                f32_case(ms[x], ns[y], ks[z], v % 2, v % 3, v % 3 == 0 ? EMBER_ACT_NONE : v % 3 == 1 ? EMBER_ACT_RELU : EMBER_ACT_RELU6,
                         (int)(x + z) % 2);
                i8_case(ms[x], ns[y], ks[z] + 1, 0, v % 2 ? 0 : (int32_t)(v * 37 % 256) - 128, (int32_t)(v * 53 % 256) - 128);
            }
    i8_case(7, 17, 4099, 1, 0, 127);      /* the largest products all of one sign: exact, no overflow */
    i8_case(7, 17, 4099, 1, -128, 127);   /* with zero points: (127 + 128) * -255 per tap */
    i8_case(7, 17, EMBER_GEMM_I8_MAX_K_ZP, 1, -128, 127);   /* the longest K with a zero point */
    i8_case(7, 17, EMBER_GEMM_I8_MAX_K, 1, 0, 127);          /* and without */
    requant_cases();
    dot4_cases();
    gemv_panel_cases();
    vmath_cases();
    printf("%s kernel test (%s): %d cases, %d failed\n", failures ? "FAIL" : "PASS", EMBER_GEMM_SIMD, checks, failures);
    return failures != 0;
}
