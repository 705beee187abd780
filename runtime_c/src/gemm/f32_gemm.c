/* The float32 GEMM driver and its portable scalar micro-kernel (see gemm.h). */
#include <math.h>
#include <string.h>

#include "../ops/op.h"
#include "gemm.h"

#define MR EMBER_GEMM_MR
#define NR EMBER_GEMM_NR
#define KC EMBER_GEMM_KC

void ember_f32_gemm_6x16_scalar(int64_t kc, const float *const *a, const float *panel, float *c, int64_t ldc,
                                int accumulate, const ember_f32_epilogue *e) {
    float acc[MR][NR];                              /* (MR, NR) */
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) acc[r][j] = 0.0f;
    for (int64_t p = 0; p < kc; p++) {
        const float *bp = panel + p * NR;           /* (NR) */
        for (int r = 0; r < MR; r++) {
            float av = a[r][p];
            for (int j = 0; j < NR; j++) acc[r][j] += av * bp[j];
        }
    }
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) {
            float v = accumulate ? c[r * ldc + j] + acc[r][j] : acc[r][j];
            if (e != NULL) {
                if (e->row_bias != NULL) v = v + e->row_bias[r];
                if (e->col_bias != NULL) v = v + e->col_bias[j];
                if (e->res != NULL) v = v + e->res[r * e->ldr + j];
                v = e->lo > v ? e->lo : v;
                v = e->hi < v ? e->hi : v;
            }
            c[r * ldc + j] = v;
        }
}

ember_f32_ukernel_fn ember_f32_gemm_ukernel(void) {
#if defined(EMBER_GEMM_AVX2)
    return ember_f32_gemm_6x16_avx2;
#elif defined(EMBER_GEMM_NEON)
    return ember_f32_gemm_6x16_neon;
#else
    return ember_f32_gemm_6x16_scalar;
#endif
}

void ember_f32_gemv_panel_scalar(const float *x, const float *panel, int64_t k, float *y) {
    float s[4][NR] = {{0}};
    int64_t p = 0;
    for (; p + 4 <= k; p += 4)
        for (int u = 0; u < 4; u++)
            for (int j = 0; j < NR; j++) s[u][j] += x[p + u] * panel[(p + u) * NR + j];
    for (int u = 0; p < k; p++, u++)
        for (int j = 0; j < NR; j++) s[u][j] += x[p] * panel[p * NR + j];
    for (int j = 0; j < NR; j++) y[j] = (s[0][j] + s[1][j]) + (s[2][j] + s[3][j]);
}

void ember_f32_gemv_panel(const float *x, const float *panel, int64_t k, float *y) {
#if defined(EMBER_GEMM_AVX2)
    ember_f32_gemv_panel_avx2(x, panel, k, y);
#else
    ember_f32_gemv_panel_scalar(x, panel, k, y);
#endif
}

/* The strided B of g: rows of contiguous columns are copied, a transposed B (b_rs == 1,
 * a weight (N, K) read as (K, N)) is gathered column by column. */
static void pack_strided(const ember_f32_gemm *g, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float *panel) {
    if (nc < NR) memset(panel, 0, (size_t)(kc * NR) * sizeof(float));
    if (g->b_cs == 1 && nc == NR) {   /* a fixed-length copy the compiler turns into two vector moves */
        for (int64_t p = 0; p < kc; p++) {
            const float *src = g->b + (p0 + p) * g->b_rs + j0;
            for (int j = 0; j < NR; j++) panel[p * NR + j] = src[j];
        }
    } else if (g->b_cs == 1) {
        for (int64_t p = 0; p < kc; p++) memcpy(panel + p * NR, g->b + (p0 + p) * g->b_rs + j0, (size_t)nc * sizeof(float));
    } else {
#if defined(EMBER_GEMM_AVX2)
        if (g->b_rs == 1 && nc == NR) {   /* a transposed weight: 8x8 register transposes */
            ember_f32_pack_transposed_avx2(g->b + j0 * g->b_cs + p0, g->b_cs, kc, panel);
            return;
        }
#endif
        for (int64_t j = 0; j < nc; j++) {
            const float *bj = g->b + (j0 + j) * g->b_cs + p0 * g->b_rs;
            for (int64_t p = 0; p < kc; p++) panel[p * NR + j] = bj[p * g->b_rs];
        }
    }
}

#if defined(__GNUC__)
#define EMBER_PREFETCH(p) __builtin_prefetch(p)
#else
#define EMBER_PREFETCH(p) ((void)(p))
#endif

/* The stored panel (b_panels) the driver reads after the one at (p0, j0) in range rg:
 * the next NR columns of this K block, or the first of the next K block; NULL when
 * there is none or it is packed at run time instead. Its rows are prefetched a slice
 * per row tile while this panel runs (weights stream from memory otherwise). */
static const float *next_stored_panel(const ember_f32_gemm *g, const ember_gemm_range *rg, int64_t p0, int64_t j0,
                                      int64_t *rows) {
    if (g->b_panels == NULL) return NULL;
    if (j0 + 2 * NR <= rg->j_end) {
        *rows = g->k - p0 < KC ? g->k - p0 : KC;
        return g->b_panels + (j0 + NR) * g->k + p0 * NR;
    }
    if (p0 + KC < g->k && rg->j_begin + NR <= rg->j_end) {
        *rows = g->k - p0 - KC < KC ? g->k - p0 - KC : KC;
        return g->b_panels + rg->j_begin * g->k + (p0 + KC) * NR;
    }
    return NULL;
}

/* K blocks outermost (a block of A, M x KC, stays in L2 across the panels), then a
 * packed panel of B (L1) under every tile of MR rows. Edge tiles (rows past M or
 * columns past N) run in a stack tile and copy their valid part out. */
static void run_range(const ember_f32_gemm *g, ember_f32_ukernel_fn uk, void *scratch, const ember_gemm_range *rg) {
    float *panel = (float *)scratch;                /* (KC, NR) */
    float row_bias[MR], col_bias[NR] = {0};
    ember_f32_epilogue e = {NULL, NULL, -INFINITY, INFINITY, NULL, 0};
    float rtile[MR * NR] = {0};                     /* an edge tile's residual, (MR, NR) */
    if (g->activation == EMBER_ACT_RELU || g->activation == EMBER_ACT_RELU6) e.lo = 0.0f;
    if (g->activation == EMBER_ACT_RELU6) e.hi = 6.0f;
    float tile[MR * NR] = {0};                      /* (MR, NR); rows past M hold dropped values */
    if (uk == NULL) uk = ember_f32_gemm_ukernel();
    if (rg->i_end <= rg->i_begin || rg->j_end <= rg->j_begin) return;
    int64_t tiles_m = (rg->i_end - rg->i_begin + MR - 1) / MR;
    for (int64_t p0 = 0; p0 < g->k || p0 == 0; p0 += KC) {
        int64_t kc = g->k - p0 < KC ? g->k - p0 : KC;
        int first = p0 == 0, last = p0 + KC >= g->k;
        for (int64_t j0 = rg->j_begin; j0 < rg->j_end; j0 += NR) {
            int64_t nc = rg->j_end - j0 < NR ? rg->j_end - j0 : NR;
            if (g->bias != NULL && g->bias_per_col) {
                for (int64_t j = 0; j < nc; j++) col_bias[j] = g->bias[j0 + j];
                e.col_bias = col_bias;
            }
            const float *bp = panel;       /* (kc, NR): packed here, or read in place */
            int64_t next_rows = 0, prefetched = 0;
            const float *next = next_stored_panel(g, rg, p0, j0, &next_rows);
            int64_t per_tile = (next_rows + tiles_m - 1) / tiles_m;
            if (kc > 0) {
                if (g->b_panels != NULL && nc == NR)   /* j0 is a multiple of NR: a whole stored panel */
                    bp = g->b_panels + j0 * g->k + p0 * NR;
                else if (g->pack != NULL)
                    g->pack(g->pack_ctx, p0, kc, j0, nc, panel);
                else
                    pack_strided(g, p0, kc, j0, nc, panel);
            }
            for (int64_t i0 = rg->i_begin; i0 < rg->i_end; i0 += MR) {
                int64_t rows = rg->i_end - i0 < MR ? rg->i_end - i0 : MR;
                const float *arow[MR];
                for (int r = 0; r < MR; r++) arow[r] = g->a + (i0 + (r < rows ? r : 0)) * g->lda + p0;
                for (int64_t l = 0; l < per_tile && prefetched < next_rows; l++, prefetched++)
                    EMBER_PREFETCH(next + prefetched * NR);   /* one 64-byte row of the panel */
                float *c = g->c + i0 * g->ldc + j0;
                if (g->bias != NULL && !g->bias_per_col) {
                    for (int r = 0; r < MR; r++) row_bias[r] = g->bias[i0 + (r < rows ? r : 0)];
                    e.row_bias = row_bias;
                }
                if (rows == MR && nc == NR) {
                    e.res = g->residual != NULL ? g->residual + i0 * g->ldc + j0 : NULL, e.ldr = g->ldc;
                    uk(kc, arow, bp, c, g->ldc, !first, last ? &e : NULL);
                    continue;
                }
                if (g->residual != NULL && last) {
                    for (int64_t r = 0; r < rows; r++)
                        memcpy(rtile + r * NR, g->residual + (i0 + r) * g->ldc + j0, (size_t)nc * sizeof(float));
                    e.res = rtile, e.ldr = NR;
                }
                for (int64_t r = 0; r < rows && !first; r++) memcpy(tile + r * NR, c + r * g->ldc, (size_t)nc * sizeof(float));
                uk(kc, arow, bp, tile, NR, !first, last ? &e : NULL);
                for (int64_t r = 0; r < rows; r++) memcpy(c + r * g->ldc, tile + r * NR, (size_t)nc * sizeof(float));
            }
        }
        if (g->k == 0) break;
    }
}

void ember_f32_gemm_run(const ember_f32_gemm *g, ember_f32_ukernel_fn uk, void *scratch) {
    ember_gemm_range all = {0, g->m, 0, g->n};
    run_range(g, uk, scratch, &all);
}

static void f32_range(const void *g, void *scratch, const ember_gemm_range *rg) {
    run_range((const ember_f32_gemm *)g, ember_f32_gemm_ukernel(), scratch, rg);
}

void ember_f32_gemm_run_threads(const ember_f32_gemm *g, const ember_threads *th) {
    ember_gemm_run_split(g, g->m, g->n, g->k, f32_range, th);
}
