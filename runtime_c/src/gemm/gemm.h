/* GEMM: the blocked matrix multiply behind CONV2D, FULLY_CONNECTED and BATCH_MATMUL.
 *
 *   C (M, N) = A (M, K) x B (K, N) [+ bias] [then the fused activation]
 *
 * The driver walks K in blocks of EMBER_GEMM_KC, N in panels of EMBER_GEMM_NR columns
 * and M in tiles of EMBER_GEMM_MR rows. Each panel of B is packed into caller scratch
 * (EMBER_GEMM_SCRATCH_BYTES) once and reused by every row tile, so the micro-kernel
 * reads B contiguously whatever B's layout is (a strided matrix, a transposed weight,
 * or an im2col view produced on the fly by a pack callback).
 *
 *   panel (KC, NR), row-major:   p = 0 [ b(p0, j0) ... b(p0, j0 + 15) ]
 *                                p = 1 [ b(p0 + 1, j0) ...             ]   columns past N are 0
 *
 * The micro-kernel computes one MR x NR tile of C over one K block. A portable scalar
 * version always exists; AVX2+FMA and NEON (aarch64) versions are chosen at compile time
 * and tested against it (runtime_c/tests/kernel_test.c). Every element of C is summed in
 * the same order by every variant (K in order within a block, blocks in order, bias
 * last); the SIMD variants fuse multiply and add (one rounding instead of two), so
 * float results agree with the scalar kernel within K * 2^-24 * sum |a * b|, not bit for bit.
 * int8 sums are exact in every variant.
 *
 * Kernels only: nothing here knows about tensors, ops or the graph. */
#ifndef EMBER_GEMM_H
#define EMBER_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "../internal.h"

/* The SIMD variants this build compiles (EMBER_NO_SIMD: scalar only). */
#if !defined(EMBER_NO_SIMD) && defined(__AVX2__) && defined(__FMA__)
#define EMBER_GEMM_AVX2 1
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define EMBER_GEMM_VNNI 1        /* int8: vpdpbusd on quads (vpdpwssd in the 16-bit pair kernel) */
#define EMBER_GEMM_SIMD "avx2-fma-vnni"
#else
#define EMBER_GEMM_SIMD "avx2-fma"
#endif
#elif !defined(EMBER_NO_SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#define EMBER_GEMM_NEON 1
#if defined(__ARM_FEATURE_DOTPROD)
#define EMBER_GEMM_DOTPROD 1     /* int8 GEMM by sdot on int8 quads (-march=armv8.2-a+dotprod and later) */
#define EMBER_GEMM_SIMD "neon-dotprod"
#else
#define EMBER_GEMM_SIMD "neon"
#endif
#else
#define EMBER_GEMM_SIMD "scalar"
#endif

/* int8 GEMMs run on 4-tap int8 dot-product instructions where the build has them: NEON
 * sdot (int8 x int8) or AVX512-VNNI vpdpbusd (uint8 x int8: the panel's values are
 * offset by 128 into uint8). EMBER_GEMM_I8_QUAD_OFFSET is what that adds. */
#if defined(EMBER_GEMM_DOTPROD)
#define EMBER_GEMM_I8_QUADS 1
#define EMBER_GEMM_I8_QUAD_OFFSET 0
#elif defined(EMBER_GEMM_VNNI)
#define EMBER_GEMM_I8_QUADS 1
#define EMBER_GEMM_I8_QUAD_OFFSET 128
#endif

#define EMBER_GEMM_MR 6
#define EMBER_GEMM_NR 16
#define EMBER_GEMM_KC 256        /* float: a panel is 256 x 16 floats = 16 KiB */
#define EMBER_GEMM_SCRATCH_BYTES (EMBER_GEMM_KC * EMBER_GEMM_NR * 4)

/* ---- threads --------------------------------------------------------------------- */
/* A threaded GEMM splits C into parts of whole tiles (NR-column panels, or MR-row tiles
 * when there are more of those); every element is computed as in one part, so results
 * are identical for any number of parts. Products below EMBER_GEMM_MIN_SPLIT
 * multiply-adds run as one part. */
#define EMBER_GEMM_MIN_SPLIT (64 * 1024)
typedef struct ember_gemm_range { int64_t i_begin, i_end, j_begin, j_end; } ember_gemm_range;
/* Runs run(g, scratch slice t, part t's range) for every part of an (m, n) GEMM with
 * k taps, through th (src/gemm/gemm_split.c; both drivers' *_run_threads). */
typedef void (*ember_gemm_range_fn)(const void *g, void *scratch, const ember_gemm_range *rg);
void ember_gemm_run_split(const void *g, int64_t m, int64_t n, int64_t k, ember_gemm_range_fn run,
                          const ember_threads *th);

/* ---- float32 ---------------------------------------------------------------------- */
/* Fills panel (kc, NR) with b(p0 + p, j0 + jj) for p < kc, jj < nc and 0 for jj >= nc. */
typedef void (*ember_f32_pack_fn)(const void *ctx, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float *panel);

/* What the last K block adds to a tile: v = acc + row_bias[r] or + col_bias[j] (NULL:
 * none), then + res[r * ldr + j] (a fused residual; NULL: none), then v = lo > v ? lo : v;
 * v = hi < v ? hi : v (ReLU: lo 0, hi inf; ReLU6: hi 6; none: -inf, inf; NaN passes
 * through, as ember_activate). */
typedef struct ember_f32_epilogue {
    const float *row_bias, *col_bias;   /* MR values, NR values */
    float lo, hi;
    const float *res;                   /* (MR, NR) at row stride ldr, or NULL */
    int64_t ldr;
} ember_f32_epilogue;

/* c[r * ldc + j] = (accumulate ? c[r * ldc + j] : 0) + sum_{p < kc} a[r][p] * panel[p * NR + j]
 * for r < MR, j < NR, then the epilogue e when not NULL; a holds MR row pointers (tiles
 * past M repeat a valid row; their results are dropped). */
typedef void (*ember_f32_ukernel_fn)(int64_t kc, const float *const *a, const float *panel, float *c, int64_t ldc,
                                     int accumulate, const ember_f32_epilogue *e);

typedef struct ember_f32_gemm {
    int64_t m, n, k;
    const float *a; int64_t lda;           /* A(i, p) = a[i * lda + p] */
    const float *b; int64_t b_rs, b_cs;    /* B(p, j) = b[p * b_rs + j * b_cs], unless pack is set */
    ember_f32_pack_fn pack; const void *pack_ctx;
    float *c; int64_t ldc;                 /* C(i, j) = c[i * ldc + j] */
    const float *bias; int bias_per_col;   /* added last: bias[i] (per row) or bias[j]; NULL for none */
    int32_t activation;                    /* EMBER_ACT_* */
    /* NULL, or B's columns [0, n - n % NR) already as panels: (K, NR) row-major for each
     * NR columns, the one for columns j0.. at b_panels + j0 * k (a PANELS16 weight read as
     * (K, N)). The micro-kernel reads them in place; the last n % NR columns are packed
     * from b as usual. */
    const float *b_panels;
    /* NULL, or R(i, j) = residual[i * ldc + j] added to C after the bias, before the
     * activation (a skip connection fused into a convolution). */
    const float *residual;
} ember_f32_gemm;

/* Runs g with micro-kernel uk (NULL: the one this build selects); scratch holds one panel
 * (EMBER_GEMM_SCRATCH_BYTES, 16-byte aligned). */
void ember_f32_gemm_run(const ember_f32_gemm *g, ember_f32_ukernel_fn uk, void *scratch);
/* Runs g split over th's tasks, task t with scratch slice t (this build's micro-kernel). */
void ember_f32_gemm_run_threads(const ember_f32_gemm *g, const ember_threads *th);

void ember_f32_gemm_6x16_scalar(int64_t kc, const float *const *a, const float *panel, float *c, int64_t ldc,
                                int accumulate, const ember_f32_epilogue *e);
#if defined(EMBER_GEMM_AVX2)
void ember_f32_gemm_6x16_avx2(int64_t kc, const float *const *a, const float *panel, float *c, int64_t ldc,
                              int accumulate, const ember_f32_epilogue *e);
#elif defined(EMBER_GEMM_NEON)
void ember_f32_gemm_6x16_neon(int64_t kc, const float *const *a, const float *panel, float *c, int64_t ldc,
                              int accumulate, const ember_f32_epilogue *e);
#endif
/* The micro-kernel this build runs (SIMD when compiled in, else scalar). */
ember_f32_ukernel_fn ember_f32_gemm_ukernel(void);
/* y[j] = sum_p x[p] * panel[p * NR + j] for j < NR over p < k: one panel of a PANELS16
 * weight times a vector (FULLY_CONNECTED on one row). Four partial sums (p mod 4), added
 * as (s0 + s1) + (s2 + s3); the AVX2 version fuses multiply and add, so it agrees with
 * the scalar one within k * 2^-24 * sum |x * w|, like the GEMM. */
void ember_f32_gemv_panel_scalar(const float *x, const float *panel, int64_t k, float *y);
void ember_f32_gemv_panel(const float *x, const float *panel, int64_t k, float *y);
#if defined(EMBER_GEMM_AVX2)
/* A full panel of a transposed B (a weight W (N, K) read as (K, N)): panel[p * NR + j] =
 * w[j * ldw + p] for p < kc, j < NR, by 8x8 register transposes (the same values as the
 * driver's scalar gather). */
void ember_f32_pack_transposed_avx2(const float *w, int64_t ldw, int64_t kc, float *panel);
void ember_f32_gemv_panel_avx2(const float *x, const float *panel, int64_t k, float *y);
#endif

/* ---- int8 -------------------------------------------------------------------------- */
/* C(i, j) = sum_p A(i, p) * B(p, j) exactly in int32: A int8 weights, B int16 values (an
 * int8 activation minus its zero point, |B| <= 255), K <= EMBER_GEMM_I8_MAX_K so no sum
 * overflows int32 (the caller checks). K is not blocked: one panel holds all of K, in
 * pairs along K so a 16-bit multiply-add instruction takes two taps at once:
 *
 *   panel (K2, NR, 2) int16, K2 = ceil(K / 2):
 *       q = 0 [ b(0, j0) b(1, j0) | b(0, j0 + 1) b(1, j0 + 1) | ... | b(0, j0 + 15) b(1, j0 + 15) ]
 *       q = 1 [ b(2, j0) b(3, j0) | ...                                                          ]
 *
 * (an odd K ends with b = 0). The driver packs up to EMBER_GEMM_I8_PANELS(K) panels at a
 * time (as many as fit EMBER_GEMM_I8_BLOCK_BYTES, at most 4) and widens a tile's MR rows
 * of A to int16 once for all of them.
 *
 * Builds with 4-tap dot products (EMBER_GEMM_I8_QUADS) run the same blocks on quads
 * instead: panel (K4, NR, 4) bytes, K4 = ceil(K / 4), q = 0 [ u(0..3, j0) | u(0..3, j0 + 1) |
 * ... ], u = b + c (an int8 for sdot, a uint8 for vpdpbusd), converted from the pairs or
 * written directly by pack_quads, and A's row tile as (K4, 8, 4) raw int8; the sums are
 * corrected for c and a_zp (ember_i8_gemm.b_zp), so C is the same. */
#define EMBER_GEMM_I8_MAX_K 65792
#define EMBER_GEMM_I8_BLOCK_BYTES (192 * 1024)
/* (K >= 1; a K of 0 counts as 1 so that the panel count below never divides by zero) */
#define EMBER_GEMM_I8_PANEL_BYTES(K) ((int64_t)((K) > 0 ? ((K) + 1) / 2 : 1) * 4 * EMBER_GEMM_NR)
#define EMBER_GEMM_I8_PANELS(K)                                                                          \
    (EMBER_GEMM_I8_BLOCK_BYTES / EMBER_GEMM_I8_PANEL_BYTES(K) >= 4 ? 4                                  \
     : EMBER_GEMM_I8_BLOCK_BYTES / EMBER_GEMM_I8_PANEL_BYTES(K) >= 1 ? EMBER_GEMM_I8_BLOCK_BYTES / EMBER_GEMM_I8_PANEL_BYTES(K) \
                                                                     : 1)
/* Scratch for an int8 GEMM over K: the panels, then MR widened rows of A. The quad path
 * keeps up to twice as many panels there when packed directly as quads (each
 * ceil(K / 4) * 64 bytes: at most 64 bytes more than half a pair panel), then its int8
 * quads of A (ceil(K / 4) * 32 bytes); the 320 spare bytes cover both. */
#define EMBER_GEMM_I8_SCRATCH_BYTES(K) \
    ((size_t)(((K) + 1) / 2) * 4 * (EMBER_GEMM_NR * EMBER_GEMM_I8_PANELS(K) + EMBER_GEMM_MR) + 320)

/* Fills the panel's pairs for b(p, j0 + jj), p < k, jj < nc (0 elsewhere, and for p = k). */
typedef void (*ember_i8_pack_fn)(const void *ctx, int64_t k, int64_t j0, int64_t nc, int16_t *panel);
/* tile[r * NR + j] = sum_{q < k2} a[r][2q] b(2q, j) + a[r][2q + 1] b(2q + 1, j), r < MR, j < NR. */
typedef void (*ember_i8_ukernel_fn)(int64_t k2, const int16_t *const *a, const int16_t *panel, int32_t *tile);

typedef struct ember_i8_gemm {
    int64_t m, n, k;
    const int8_t *a; int64_t lda;          /* A(i, p) = a[i * lda + p] */
    ember_i8_pack_fn pack; const void *pack_ctx;
    /* receives each tile of C(i0 + r, j0 + j), r < rows <= MR, j < cols <= NR (row stride NR) */
    void (*store)(void *ctx, int64_t i0, int64_t rows, int64_t j0, int64_t cols, const int32_t *tile);
    void *store_ctx;
    /* A's zero point, subtracted as A is widened (0 for symmetric weights). With a_zp != 0
     * |A - a_zp| <= 255, so K <= EMBER_GEMM_I8_MAX_K_ZP keeps the int32 sums exact. */
    int32_t a_zp;
    /* What pack subtracted: every value v it writes (padding's 0 included) is an int8 minus
     * b_zp. The 4-tap dot-product path (EMBER_GEMM_I8_QUADS) multiplies raw a by
     * u = v + c (c = b_zp + EMBER_GEMM_I8_QUAD_OFFSET, so u is an int8 or a uint8) and
     * corrects the sums: sum (a - a_zp) v = sum a u - c sum a - a_zp sum v, the same
     * integers. */
    int32_t b_zp;
    /* Optional, for the quad path (EMBER_GEMM_I8_QUADS): writes the panel directly as quads
     * (ceil(k / 4), NR, 4) of bytes x + offset, x the int8 value whose v = x - b_zp pack
     * would write (x = b_zp past K and past nc); NULL: pack, then the driver converts. */
    void (*pack_quads)(const void *ctx, int64_t k, int64_t j0, int64_t nc, int32_t offset, uint8_t *panel);
} ember_i8_gemm;
#define EMBER_GEMM_I8_MAX_K_ZP 33024

/* Runs g with micro-kernel uk (NULL: this build's); scratch: EMBER_GEMM_I8_SCRATCH_BYTES(k), 16-aligned. */
void ember_i8_gemm_run(const ember_i8_gemm *g, ember_i8_ukernel_fn uk, void *scratch);
/* Runs g split over th's tasks (g->pack and g->store are then called from several
 * threads at once, on disjoint tiles). */
void ember_i8_gemm_run_threads(const ember_i8_gemm *g, const ember_threads *th);

void ember_i8_gemm_6x16_scalar(int64_t k2, const int16_t *const *a, const int16_t *panel, int32_t *tile);
#if defined(EMBER_GEMM_AVX2)
void ember_i8_gemm_6x16_avx2(int64_t k2, const int16_t *const *a, const int16_t *panel, int32_t *tile);
#elif defined(EMBER_GEMM_NEON)
void ember_i8_gemm_6x16_neon(int64_t k2, const int16_t *const *a, const int16_t *panel, int32_t *tile);
#endif
#if defined(EMBER_GEMM_I8_QUADS)
/* tile[r * NR + j] = sum_{p < 4 k4} a[p / 4][r][p % 4] * panel[p / 4][j][p % 4] modulo 2^32,
 * r < MR, j < NR: a (k4, 8, 4) int8 (rows 6 and 7 unused), panel (k4, NR, 4) bytes read as
 * int8 (sdot) or uint8 (vpdpbusd). The driver runs it when uk is NULL; an explicit uk runs
 * the 16-bit path. */
void ember_i8_gemm_6x16_quads(int64_t k4, const int8_t *a, const uint8_t *panel, int32_t *tile);
/* dst[4 j + t] = rows[t][j] + offset (as a byte) for j < NR, t < 4: four tap rows of a
 * panel as its quad row. */
void ember_i8_quads_of_taps(const int8_t *const *rows, int32_t offset, uint8_t *dst);
#if defined(EMBER_GEMM_VNNI)
/* A panel of k2 pair rows turned in place into k4 quad rows of u = v + c (in [0, 255]),
 * with its column sums of v (the driver's scalar conversion, vectorised). */
void ember_i8_quads_from_pairs_avx2(int64_t k2, int64_t k4, int32_t c, int16_t *panel, int32_t *colsum);
/* MR rows of A (K taps each) as quads (k4, 8, 4), rows 6 and 7 and taps past K zero, and
 * each row's sum (the driver's scalar conversion, vectorised). */
void ember_i8_quads_of_rows_avx2(const int8_t *const *rows, int64_t k, int8_t *aq, int32_t *rowsum);
void ember_i8_quads_of_taps_avx2(const int8_t *const *rows, int32_t offset, uint8_t *dst);
/* colsum[j] = sum of column j's bytes (as uint8) over k4 quad rows. */
void ember_i8_quad_colsums_avx2(const uint8_t *panel, int64_t k4, int32_t *colsum);
#endif
#endif
ember_i8_ukernel_fn ember_i8_gemm_ukernel(void);

#endif /* EMBER_GEMM_H */
