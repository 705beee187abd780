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

#if defined(EMBER_GEMM_I8_QUADS)
/* The 4-tap dot-product path: the same blocks; each packed panel is turned in place into
 * byte quads u = v + c, (k4, NR, 4), c = b_zp + EMBER_GEMM_I8_QUAD_OFFSET (its column sums
 * of v kept), each row tile of A into quads of raw a, (k4, 8, 4) (its row sums kept); the
 * kernel's sums of a u are then corrected to sum (a - a_zp) v = sum a u - c sum a - a_zp
 * sum v, all modulo 2^32 (the result fits int32, a partial term may not). Taps past K are
 * 0 in A. */
static void quads_from_pairs(int64_t k2, int64_t k4, int32_t c, int16_t *panel, int32_t *colsum) {
#if defined(EMBER_GEMM_VNNI)
    ember_i8_quads_from_pairs_avx2(k2, k4, c, panel, colsum);
#else
    static const int16_t zeros[2 * NR];
    uint8_t *dst = (uint8_t *)panel;
    for (int j = 0; j < NR; j++) colsum[j] = 0;
    for (int64_t q = 0; q < k4; q++) {
        /* pair rows 2q and 2q + 1 hold taps 4q, 4q + 1 and 4q + 2, 4q + 3 of each column (0
         * past K; a missing last pair row is 0): column j's quad is its pair from each */
        const int16_t *r0 = panel + 2 * q * 2 * NR, *r1 = 2 * q + 1 < k2 ? r0 + 2 * NR : zeros;
        uint8_t quad[NR * 4];                /* read both pair rows before writing over them */
        for (int j = 0; j < NR; j++) {
            int32_t v0 = r0[2 * j], v1 = r0[2 * j + 1], v2 = r1[2 * j], v3 = r1[2 * j + 1];
            colsum[j] += (v0 + v1) + (v2 + v3);
            quad[4 * j] = (uint8_t)((v0 + c) & 0xff);   /* an int8 (two's complement) or a uint8 */
            quad[4 * j + 1] = (uint8_t)((v1 + c) & 0xff);
            quad[4 * j + 2] = (uint8_t)((v2 + c) & 0xff);
            quad[4 * j + 3] = (uint8_t)((v3 + c) & 0xff);
        }
        memcpy(dst + q * NR * 4, quad, sizeof quad);   /* byte 64q <= 128q, where pair row 2q began */
    }
#endif
}

void ember_i8_quads_of_taps(const int8_t *const *rows, int32_t offset, uint8_t *dst) {
#if defined(EMBER_GEMM_VNNI)
    ember_i8_quads_of_taps_avx2(rows, offset, dst);
#else
    for (int j = 0; j < NR; j++)
        for (int t = 0; t < 4; t++) dst[4 * j + t] = (uint8_t)((rows[t][j] + offset) & 0xff);
#endif
}

/* colsum[j] = sum over the panel's k4 quad rows of column j's four values u, less
 * 4 k4 c: the sum of v = u - c (u an int8 where EMBER_GEMM_I8_QUAD_OFFSET is 0, a uint8
 * where it is 128). */
static void quad_colsums(const uint8_t *panel, int64_t k4, int32_t c, int32_t *colsum) {
#if defined(EMBER_GEMM_VNNI)
    ember_i8_quad_colsums_avx2(panel, k4, colsum);
#else
    for (int j = 0; j < NR; j++) colsum[j] = 0;
    for (int64_t q = 0; q < k4; q++)
        for (int j = 0; j < NR; j++)
            for (int t = 0; t < 4; t++) {
                uint8_t u = panel[q * 4 * NR + 4 * j + t];
                colsum[j] += EMBER_GEMM_I8_QUAD_OFFSET ? (int32_t)u : (int32_t)(u > 127 ? u - 256 : u);
            }
#endif
    for (int j = 0; j < NR; j++) colsum[j] -= (int32_t)(4 * k4) * c;
}

/* Row tile i0 of A as quads (k4, 8, 4) of raw int8 (taps past K and rows 6, 7 zero), and
 * each row's sum. */
static void quads_of_rows(const ember_i8_gemm *g, int64_t i0, int64_t rows, int64_t k4, int8_t *aq, int32_t *rowsum) {
    const int8_t *src[MR];
    for (int r = 0; r < MR; r++) src[r] = g->a + (i0 + (r < rows ? r : 0)) * g->lda;
#if defined(EMBER_GEMM_VNNI)
    (void)k4;
    ember_i8_quads_of_rows_avx2(src, g->k, aq, rowsum);
#else
    memset(aq, 0, (size_t)(k4 * 32));
    for (int r = 0; r < MR; r++) {
        int32_t s = 0;
        for (int64_t p = 0; p < g->k; p++) {
            aq[(p / 4) * 32 + r * 4 + p % 4] = src[r][p];
            s += src[r][p];
        }
        rowsum[r] = s;
    }
#endif
}

static void run_range_dot(const ember_i8_gemm *g, void *scratch, const ember_gemm_range *rg) {
    int64_t k2 = (g->k + 1) / 2, k4 = (g->k + 3) / 4, nb = EMBER_GEMM_I8_PANELS(g->k);
    /* nb pair panels (k2, NR, 2) int16, each turned into (k4, NR, 4) bytes in place; or,
     * packed directly as quads, 2 nb quad panels one after another */
    int64_t step = g->pack_quads != NULL ? k4 * 4 * NR : k2 * 4 * NR;   /* bytes from one panel to the next */
    int64_t pair_bytes = nb * k2 * 4 * NR;                                /* the nb pair panels' area */
    if (g->pack_quads != NULL) nb *= 2;
    uint8_t *panels = (uint8_t *)scratch;
    int64_t a_at = nb * step > pair_bytes ? nb * step : pair_bytes;      /* A's quads after both */
    int8_t *aq = (int8_t *)(panels + (a_at + 15) / 16 * 16);   /* (k4, 8, 4) */
    int32_t tile[MR * NR], colsum[8][NR], rowsum[MR];   /* at most 2 x 4 panels */
    int32_t c = g->b_zp + EMBER_GEMM_I8_QUAD_OFFSET;
    for (int64_t jb = rg->j_begin; jb < rg->j_end; jb += nb * NR) {
        int64_t np = 0;
        for (; np < nb && jb + np * NR < rg->j_end; np++) {
            int64_t j0 = jb + np * NR, nc = rg->j_end - j0 < NR ? rg->j_end - j0 : NR;
            if (g->pack_quads != NULL) {
                g->pack_quads(g->pack_ctx, g->k, j0, nc, EMBER_GEMM_I8_QUAD_OFFSET, panels + np * step);
                quad_colsums(panels + np * step, k4, c, colsum[np]);
            } else {
                int16_t *pairs = (int16_t *)(void *)(panels + np * step);
                g->pack(g->pack_ctx, g->k, j0, nc, pairs);
                quads_from_pairs(k2, k4, c, pairs, colsum[np]);
            }
        }
        for (int64_t i0 = rg->i_begin; i0 < rg->i_end; i0 += MR) {
            int64_t rows = rg->i_end - i0 < MR ? rg->i_end - i0 : MR;
            quads_of_rows(g, i0, rows, k4, aq, rowsum);
            for (int64_t q = 0; q < np; q++) {
                int64_t j0 = jb + q * NR, nc = rg->j_end - j0 < NR ? rg->j_end - j0 : NR;
                ember_i8_gemm_6x16_quads(k4, aq, panels + q * step, tile);
                for (int r = 0; r < MR; r++)
                    for (int j = 0; j < NR; j++)
                        tile[r * NR + j] = (int32_t)((uint32_t)tile[r * NR + j] - (uint32_t)c * (uint32_t)rowsum[r] -
                                                     (uint32_t)g->a_zp * (uint32_t)colsum[q][j]);
                g->store(g->store_ctx, i0, rows, j0, nc, tile);
            }
        }
    }
}
#endif

/* Blocks of up to EMBER_GEMM_I8_PANELS(K) panels of B (all of K each); under every tile of
 * MR rows, the rows of A are widened to int16 (zero-padded to an even K) once, then run
 * against each panel of the block. With no micro-kernel given, a build with 4-tap dot
 * products takes the quad path above instead. */
static void run_range(const ember_i8_gemm *g, ember_i8_ukernel_fn uk, void *scratch, const ember_gemm_range *rg) {
#if defined(EMBER_GEMM_I8_QUADS)
    if (uk == NULL) {
        run_range_dot(g, scratch, rg);
        return;
    }
#endif
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
    run_range((const ember_i8_gemm *)g, NULL, scratch, rg);
}

void ember_i8_gemm_run_threads(const ember_i8_gemm *g, const ember_threads *th) {
    ember_gemm_run_split(g, g->m, g->n, g->k, i8_range, th);
}
