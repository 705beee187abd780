/* The int8 arithmetic every integer kernel shares, exactly as schema/README.md
 * ("Integer arithmetic") and runtime_py/kernels/int8/_fixed.py define it:
 *
 *   srdhm(a, b)    (a*b + nudge) / 2^31 truncated toward zero, nudge 2^30 when a*b >= 0
 *                  and 1 - 2^30 otherwise; INT32_MIN * INT32_MIN gives INT32_MAX
 *   rdpot(x, e)    x / 2^e rounded half away from zero, e in [0, 31]
 *   mbqm(x, m, s)  rdpot(srdhm(sat32(x * 2^max(s, 0)), m), max(-s, 0))
 *
 * Nothing depends on the implementation-defined right shift of negative numbers: a
 * negative value is negated, shifted and negated back (no division instruction either;
 * requantization runs once per output element). */
#ifndef EMBER_INT8_FIXED_H
#define EMBER_INT8_FIXED_H

#include "../../gemm/gemm.h"
#include "../op.h"
#if defined(EMBER_GEMM_AVX2)
#include <immintrin.h>
#elif defined(EMBER_GEMM_NEON)
#include <arm_neon.h>
#endif

static inline int64_t ember_sat32(int64_t x) {
    return x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : x;
}

static inline int32_t ember_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t v = ab + (ab >= 0 ? ((int64_t)1 << 30) : 1 - ((int64_t)1 << 30));
    /* v / 2^31 truncated toward zero; |v| < 2^62 + 2^30, so -v does not overflow */
    return (int32_t)(v >= 0 ? v >> 31 : -((-v) >> 31));
}

static inline int32_t ember_rdpot(int32_t x, int32_t e) {
    if (e == 0) return x;
    int64_t d = (int64_t)1 << e, half = d >> 1;
    int64_t v = x;
    /* floor(x / 2^e) then round up when the remainder exceeds half (or equals it, x >= 0) */
    int64_t fl = v >= 0 ? v >> e : -((-v + d - 1) >> e);
    int64_t rem = v - fl * d;                            /* in [0, d) */
    int64_t threshold = (half - 1) + (v < 0 ? 1 : 0);    /* (mask >> 1) + (x < 0) */
    return (int32_t)(fl + (rem > threshold ? 1 : 0));
}

static inline int32_t ember_mbqm(int64_t x, int32_t m, int32_t s) {
    int32_t left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
    int64_t shifted = ember_sat32(x) * ((int64_t)1 << left);
    return ember_rdpot(ember_srdhm((int32_t)ember_sat32(shifted), m), right);
}

/* int8 from an accumulator: clamp(mbqm(acc, m, s) + zero_point, lo, hi). */
static inline int8_t ember_requantize(int64_t acc, int32_t m, int32_t s, int32_t zero_point, int32_t lo,
                                      int32_t hi) {
    int64_t v = (int64_t)ember_mbqm(acc, m, s) + zero_point;
    return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

/* A row of accumulators with one bias and one multiplier (the loader keeps m >= 0 and
 * s in [-31, 30], zp, lo, hi in int8):
 *   out[j] = ember_requantize((int64_t)bias + acc[j], m, s, zp, lo, hi), j < n. */
static inline void ember_requantize_row_scalar(const int32_t *acc, int64_t n, int32_t bias, int32_t m, int32_t s,
                                               int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
    for (int64_t j = 0; j < n; j++) out[j] = ember_requantize((int64_t)bias + acc[j], m, s, zp, lo, hi);
}

/* mbqm over a row: out[j] = ember_mbqm(x[j], m, s), j < n. */
static inline void ember_mbqm_row_scalar(const int32_t *x, int64_t n, int32_t m, int32_t s, int32_t *out) {
    for (int64_t j = 0; j < n; j++) out[j] = ember_mbqm(x[j], m, s);
}

#if defined(EMBER_GEMM_AVX2)
/* The same integers, 8 at a time (runtime_c/tests/kernel_test.c checks them against the
 * scalar rows bit for bit): saturating adds and left shifts by compares and blends;
 * srdhm as even/odd 32x32 -> 64-bit products, the nudge, and a truncating shift by 31
 * (a logical 64-bit shift keeps the right low 32 bits); rdpot as an arithmetic shift
 * plus the rounding increment. */
typedef struct ember_mbqm_avx2 {
    int32_t left, right;
    __m256i m, shl_hi, shl_lo, mask, half;
    __m128i cl, cr;
} ember_mbqm_avx2;

static inline void ember_mbqm_avx2_init(ember_mbqm_avx2 *k, int32_t m, int32_t s) {
    k->left = s > 0 ? s : 0, k->right = s > 0 ? 0 : -s;
    k->m = _mm256_set1_epi32(m);
    k->shl_hi = _mm256_set1_epi32((int32_t)(INT32_MAX >> k->left));             /* above: x * 2^left saturates */
    k->shl_lo = _mm256_set1_epi32((int32_t)(-(((int64_t)1 << 31) >> k->left)));  /* below: saturates */
    k->mask = _mm256_set1_epi32((int32_t)(((int64_t)1 << k->right) - 1));
    k->half = _mm256_set1_epi32((int32_t)((((int64_t)1 << k->right) - 1) >> 1));
    k->cl = _mm_cvtsi32_si128(k->left), k->cr = _mm_cvtsi32_si128(k->right);
}

/* mbqm of 8 int32 lanes (already in int32: the first sat32 is the caller's). */
static inline __m256i ember_mbqm8(__m256i x, const ember_mbqm_avx2 *k) {
    const __m256i zero = _mm256_setzero_si256();
    if (k->left > 0) {   /* x = sat32(x * 2^left) */
        __m256i over = _mm256_cmpgt_epi32(x, k->shl_hi), under = _mm256_cmpgt_epi32(k->shl_lo, x);
        x = _mm256_sll_epi32(x, k->cl);
        x = _mm256_blendv_epi8(_mm256_blendv_epi8(x, _mm256_set1_epi32(INT32_MAX), over), _mm256_set1_epi32(INT32_MIN),
                               under);
    }
    /* srdhm(x, m), m >= 0 */
    const __m256i pos_nudge = _mm256_set1_epi64x((int64_t)1 << 30), neg_nudge = _mm256_set1_epi64x(1 - ((int64_t)1 << 30));
    const __m256i trunc = _mm256_set1_epi64x(((int64_t)1 << 31) - 1);
    __m256i pe = _mm256_mul_epi32(x, k->m), po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), k->m);
    __m256i ne = _mm256_cmpgt_epi64(zero, pe), no = _mm256_cmpgt_epi64(zero, po);
    pe = _mm256_add_epi64(pe, _mm256_blendv_epi8(pos_nudge, neg_nudge, ne));
    po = _mm256_add_epi64(po, _mm256_blendv_epi8(pos_nudge, neg_nudge, no));
    pe = _mm256_srli_epi64(_mm256_add_epi64(pe, _mm256_and_si256(ne, trunc)), 31);
    po = _mm256_srli_epi64(_mm256_add_epi64(po, _mm256_and_si256(no, trunc)), 31);
    x = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
    if (k->right > 0) {   /* rdpot(x, right) */
        __m256i rem = _mm256_and_si256(x, k->mask);
        __m256i thr = _mm256_sub_epi32(k->half, _mm256_cmpgt_epi32(zero, x));
        x = _mm256_sub_epi32(_mm256_sra_epi32(x, k->cr), _mm256_cmpgt_epi32(rem, thr));
    }
    return x;
}

static inline void ember_requantize_row_avx2(const int32_t *acc, int64_t n, int32_t bias, int32_t m, int32_t s,
                                             int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
    ember_mbqm_avx2 k;
    ember_mbqm_avx2_init(&k, m, s);
    const __m256i vbias = _mm256_set1_epi32(bias), imax = _mm256_set1_epi32(INT32_MAX), imin = _mm256_set1_epi32(INT32_MIN);
    const __m256i vlo = _mm256_set1_epi32(lo - zp), vhi = _mm256_set1_epi32(hi - zp), vzp = _mm256_set1_epi32(zp);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(acc + j));
        __m256i x = _mm256_add_epi32(a, vbias);   /* sat32(bias + a): overflow only toward bias's sign */
        x = bias >= 0 ? _mm256_blendv_epi8(x, imax, _mm256_cmpgt_epi32(a, x))
                      : _mm256_blendv_epi8(x, imin, _mm256_cmpgt_epi32(x, a));
        x = ember_mbqm8(x, &k);
        /* clamp(x + zp, lo, hi) as clamp(x, lo - zp, hi - zp) + zp: no overflow */
        x = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(x, vlo), vhi), vzp);
        __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
        _mm_storel_epi64((__m128i *)(void *)(out + j), _mm_packs_epi16(w16, w16));
    }
    ember_requantize_row_scalar(acc + j, n - j, bias, m, s, zp, lo, hi, out + j);
}

static inline void ember_mbqm_row_avx2(const int32_t *x, int64_t n, int32_t m, int32_t s, int32_t *out) {
    ember_mbqm_avx2 k;
    ember_mbqm_avx2_init(&k, m, s);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_si256((__m256i *)(void *)(out + j),
                            ember_mbqm8(_mm256_loadu_si256((const __m256i *)(const void *)(x + j)), &k));
    ember_mbqm_row_scalar(x + j, n - j, m, s, out + j);
}
#endif

#if defined(EMBER_GEMM_NEON)
/* The same integers, 4 at a time, from NEON's fixed-point instructions: sqadd is sat32 of
 * a sum, sqshl the saturating left shift; sqrdmulh is srdhm exactly (floor((ab + 2^30) /
 * 2^31) equals the nudged truncation for either sign, and INT32_MIN * INT32_MIN
 * saturates); srshl by -e rounds half up, so negative x first gets -1 (saturating: at
 * INT32_MIN nothing is a tie) to round half away from zero. kernel_test checks them
 * against the scalar rows under qemu. */
static inline int32x4_t ember_mbqm4(int32x4_t x, int32x4_t left, int32x4_t m, int32x4_t neg_right) {
    x = vqrdmulhq_s32(vqshlq_s32(x, left), m);
    int32x4_t fixup = vshrq_n_s32(vandq_s32(x, neg_right), 31);   /* -1 where x < 0 and right > 0 */
    return vrshlq_s32(vqaddq_s32(x, fixup), neg_right);
}

static inline void ember_requantize_row_neon(const int32_t *acc, int64_t n, int32_t bias, int32_t m, int32_t s,
                                             int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
    const int32x4_t left = vdupq_n_s32(s > 0 ? s : 0), neg_right = vdupq_n_s32(s > 0 ? 0 : s), vm = vdupq_n_s32(m);
    const int32x4_t vbias = vdupq_n_s32(bias), vlo = vdupq_n_s32(lo - zp), vhi = vdupq_n_s32(hi - zp),
                    vzp = vdupq_n_s32(zp);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        int32x4_t x0 = ember_mbqm4(vqaddq_s32(vld1q_s32(acc + j), vbias), left, vm, neg_right);
        int32x4_t x1 = ember_mbqm4(vqaddq_s32(vld1q_s32(acc + j + 4), vbias), left, vm, neg_right);
        x0 = vaddq_s32(vminq_s32(vmaxq_s32(x0, vlo), vhi), vzp);   /* clamp(x + zp, lo, hi), no overflow */
        x1 = vaddq_s32(vminq_s32(vmaxq_s32(x1, vlo), vhi), vzp);
        vst1_s8(out + j, vqmovn_s16(vcombine_s16(vqmovn_s32(x0), vqmovn_s32(x1))));
    }
    ember_requantize_row_scalar(acc + j, n - j, bias, m, s, zp, lo, hi, out + j);
}

static inline void ember_mbqm_row_neon(const int32_t *x, int64_t n, int32_t m, int32_t s, int32_t *out) {
    const int32x4_t left = vdupq_n_s32(s > 0 ? s : 0), neg_right = vdupq_n_s32(s > 0 ? 0 : s), vm = vdupq_n_s32(m);
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) vst1q_s32(out + j, ember_mbqm4(vld1q_s32(x + j), left, vm, neg_right));
    ember_mbqm_row_scalar(x + j, n - j, m, s, out + j);
}
#endif

/* mbqm over a row with this build's kernel. */
static inline void ember_mbqm_row(const int32_t *x, int64_t n, int32_t m, int32_t s, int32_t *out) {
#if defined(EMBER_GEMM_AVX2)
    ember_mbqm_row_avx2(x, n, m, s, out);
#elif defined(EMBER_GEMM_NEON)
    ember_mbqm_row_neon(x, n, m, s, out);
#else
    ember_mbqm_row_scalar(x, n, m, s, out);
#endif
}

/* The row with this build's kernel. */
static inline void ember_requantize_row(const int32_t *acc, int64_t n, int32_t bias, int32_t m, int32_t s,
                                        int32_t zp, int32_t lo, int32_t hi, int8_t *out) {
#if defined(EMBER_GEMM_AVX2)
    ember_requantize_row_avx2(acc, n, bias, m, s, zp, lo, hi, out);
#elif defined(EMBER_GEMM_NEON)
    ember_requantize_row_neon(acc, n, bias, m, s, zp, lo, hi, out);
#else
    ember_requantize_row_scalar(acc, n, bias, m, s, zp, lo, hi, out);
#endif
}

/* x / n rounded half away from zero, n > 0. */
static inline int64_t ember_round_div(int64_t x, int64_t n) {
    return x >= 0 ? (x + n / 2) / n : -((-x + n / 2) / n);
}

/* The common check of an int8 operand: INT8 with per-tensor quantization. */
static inline int ember_is_q8(const ember_tensor *t) {
    return t != NULL && t->dtype == EMBER_DTYPE_INT8 && t->quantized;
}


/* The float op's shape and option checks, run on a one-input int8 op: its input
 * and output seen as FLOAT32 (for float checks that also check the dtype). */
static inline ember_status ember_check_as_float(const ember_op_impl *float_op, const ember_op_args *a,
                                                ember_error *err) {
    ember_tensor x = *a->in[0], y = *a->out;
    ember_op_args shadow = *a;
    x.dtype = y.dtype = EMBER_DTYPE_FLOAT32;
    shadow.in[0] = &x;
    shadow.out = &y;
    return float_op->check(&shadow, err);
}

/* QuantParams present with n multiplier/shift pairs. */
static inline ember_status ember_check_quant(const ember_op_args *a, int32_t n, ember_error *err) {
    if (!a->q->present || a->q->n != n)
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: QuantParams with %ld multipliers required, has %ld",
                          (long)n, (long)(a->q->present ? a->q->n : -1));
    return EMBER_OK;
}

/* One B panel of the int8 GEMM (gemm.h: (ceil(k / 2), NR, 2) int16, pairs along K, zero
 * past k and nc) from int8 values minus their zero point: B(p, j) = src(p, j) - zp for
 * p < k, j < nc, where src(p, j) is src[p * ld + j] (rows along K: BATCH_MATMUL's b) or,
 * with `transposed`, src[j * ld + p] (FULLY_CONNECTED's activation rows). The inner loop
 * runs along src's contiguous dimension. */
static inline void ember_i8_pack_pairs(const int8_t *src, int64_t ld, int transposed, int64_t k, int64_t nc,
                                       int32_t zp, int16_t *panel) {
    memset(panel, 0, (size_t)(((k + 1) / 2) * 2 * EMBER_GEMM_NR) * sizeof(int16_t));
    if (!transposed) {
        for (int64_t p = 0; p < k; p++) {
            int16_t *dst = panel + (p / 2) * 2 * EMBER_GEMM_NR + p % 2;   /* (NR) at stride 2 */
            for (int64_t j = 0; j < nc; j++) dst[2 * j] = (int16_t)(src[p * ld + j] - zp);
        }
        return;
    }
    for (int64_t j = 0; j < nc; j++)
        for (int64_t p = 0; p < k; p++)
            panel[(p / 2) * 2 * EMBER_GEMM_NR + 2 * j + p % 2] = (int16_t)(src[j * ld + p] - zp);
}

/* The usual int8 check: inputs 0 .. n_in-1 and the output quantized INT8, then the float
 * op's check (with one input, on its operands seen as FLOAT32: ember_check_as_float), then
 * QuantParams with n_quant multiplier/shift pairs. */
static inline ember_status ember_check_q8(const ember_op_impl *float_op, const ember_op_args *a, int n_in,
                                          int32_t n_quant, ember_error *err) {
    int quantized = ember_is_q8(a->out);
    for (int i = 0; i < n_in; i++) quantized = quantized && ember_is_q8(a->in[i]);
    if (!quantized)
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: %s must be quantized INT8",
                          n_in == 1 ? "input and output" : "operands");
    ember_status s = n_in == 1 ? ember_check_as_float(float_op, a, err) : float_op->check(a, err);
    return s != EMBER_OK ? s : ember_check_quant(a, n_quant, err);
}

/* CONV2D / FULLY_CONNECTED: quantized INT8 input and output, INT8 weight, INT32 bias,
 * the float op's shape checks, and one multiplier per output channel (or one). */
static inline ember_status ember_check_weighted(const ember_op_impl *float_op, const ember_op_args *a,
                                                ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    if (!ember_is_q8(x) || !ember_is_q8(a->out) || w->dtype != EMBER_DTYPE_INT8 ||
        (b != NULL && b->dtype != EMBER_DTYPE_INT32))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: needs quantized INT8 input and output, INT8 weight, "
                          "INT32 bias");
    if (w->n_scales == 0 || w->asymmetric || w->quant_axis > 0)   /* the kernels subtract no weight zero point */
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: the weight must be quantized symmetrically, per tensor "
                          "or per output channel");
    ember_status s = float_op->check(a, err);
    if (s != EMBER_OK) return s;
    if (!a->q->present || (a->q->n != 1 && a->q->n != w->shape[0]))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: needs 1 or %lld multipliers", (long long)w->shape[0]);
    return EMBER_OK;
}

#endif /* EMBER_INT8_FIXED_H */
