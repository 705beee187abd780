/* The int8 GEMM driver and its portable scalar micro-kernel (see gemm.h). */
#include <string.h>

#include "gemm.h"

#define MR EMBER_GEMM_MR
#define NR EMBER_GEMM_NR

void ember_i8_gemm_6x16_scalar(int64_t k2, const int16_t *const *a, const int16_t *panel, int32_t *tile) {
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) tile[r * NR + j] = 0;
    for (int64_t q = 0; q < k2; q++) {
        const int16_t *bq = panel + q * 2 * NR;     /* (NR, 2) */
        for (int r = 0; r < MR; r++) {
            int32_t a0 = a[r][2 * q], a1 = a[r][2 * q + 1];
            for (int j = 0; j < NR; j++) tile[r * NR + j] += a0 * bq[2 * j] + a1 * bq[2 * j + 1];
        }
    }
}

ember_i8_ukernel_fn ember_i8_gemm_ukernel(void) {
#if defined(EMBER_GEMM_AVX2)
    return ember_i8_gemm_6x16_avx2;
#elif defined(EMBER_GEMM_NEON)
    return ember_i8_gemm_6x16_neon;
#else
    return ember_i8_gemm_6x16_scalar;
#endif
}

/* Blocks of up to EMBER_GEMM_I8_PANELS(K) panels of B (all of K each); under every tile of
 * MR rows, the rows of A are widened to int16 (zero-padded to an even K) once, then run
 * against each panel of the block. */
static void run_range(const ember_i8_gemm *g, ember_i8_ukernel_fn uk, void *scratch, const ember_gemm_range *rg) {
    int64_t k2 = (g->k + 1) / 2, nb = EMBER_GEMM_I8_PANELS(g->k), psize = k2 * 2 * NR;
    int16_t *panels = (int16_t *)scratch;                /* nb x (k2, NR, 2) */
    int16_t *wide = panels + nb * psize;                 /* (MR, 2 * k2) */
    int32_t tile[MR * NR];                               /* (MR, NR) */
    const int16_t *arow[MR];
    if (uk == NULL) uk = ember_i8_gemm_ukernel();
    for (int r = 0; r < MR; r++) arow[r] = wide + r * 2 * k2;
    for (int64_t jb = rg->j_begin; jb < rg->j_end; jb += nb * NR) {
        int64_t np = 0;
        for (; np < nb && jb + np * NR < rg->j_end; np++) {
            int64_t j0 = jb + np * NR, nc = rg->j_end - j0 < NR ? rg->j_end - j0 : NR;
            g->pack(g->pack_ctx, g->k, j0, nc, panels + np * psize);
        }
        for (int64_t i0 = rg->i_begin; i0 < rg->i_end; i0 += MR) {
            int64_t rows = rg->i_end - i0 < MR ? rg->i_end - i0 : MR;
            for (int r = 0; r < MR; r++) {
                const int8_t *src = g->a + (i0 + (r < rows ? r : 0)) * g->lda;
                int16_t *dst = wide + r * 2 * k2;
                for (int64_t p = 0; p < g->k; p++) dst[p] = (int16_t)(src[p] - g->a_zp);
                if (g->k % 2) dst[g->k] = 0;
            }
            for (int64_t q = 0; q < np; q++) {
                int64_t j0 = jb + q * NR, nc = rg->j_end - j0 < NR ? rg->j_end - j0 : NR;
                uk(k2, arow, panels + q * psize, tile);
                g->store(g->store_ctx, i0, rows, j0, nc, tile);
            }
        }
    }
}

void ember_i8_gemm_run(const ember_i8_gemm *g, ember_i8_ukernel_fn uk, void *scratch) {
    ember_gemm_range all = {0, g->m, 0, g->n};
    run_range(g, uk, scratch, &all);
}

static void i8_range(const void *g, void *scratch, const ember_gemm_range *rg) {
    run_range((const ember_i8_gemm *)g, ember_i8_gemm_ukernel(), scratch, rg);
}

void ember_i8_gemm_run_threads(const ember_i8_gemm *g, const ember_threads *th) {
    ember_gemm_run_split(g, g->m, g->n, g->k, i8_range, th);
}
