/* int8 GEMM micro-kernel, 6 x 16, aarch64 NEON: each pair of taps is de-interleaved
 * from the panel (vld2q) and multiply-accumulated widening 16 -> 32 bits (vmlal); 24
 * int32x4 accumulators. */
#include "gemm.h"

#if defined(EMBER_GEMM_NEON)
#include <arm_neon.h>

void ember_i8_gemm_6x16_neon(int64_t k2, const int16_t *const *a, const int16_t *panel, int32_t *tile) {
    int32x4_t acc[EMBER_GEMM_MR][4];
    for (int r = 0; r < EMBER_GEMM_MR; r++)
        for (int h = 0; h < 4; h++) acc[r][h] = vdupq_n_s32(0);
    for (int64_t q = 0; q < k2; q++) {
        const int16_t *bq = panel + q * 2 * EMBER_GEMM_NR;
        int16x8x2_t lo = vld2q_s16(bq), hi = vld2q_s16(bq + 16);   /* .val[0]: tap 2q, .val[1]: tap 2q + 1 */
        for (int r = 0; r < EMBER_GEMM_MR; r++) {
            int16_t a0 = a[r][2 * q], a1 = a[r][2 * q + 1];
            acc[r][0] = vmlal_n_s16(vmlal_n_s16(acc[r][0], vget_low_s16(lo.val[0]), a0), vget_low_s16(lo.val[1]), a1);
            acc[r][1] = vmlal_n_s16(vmlal_n_s16(acc[r][1], vget_high_s16(lo.val[0]), a0), vget_high_s16(lo.val[1]), a1);
            acc[r][2] = vmlal_n_s16(vmlal_n_s16(acc[r][2], vget_low_s16(hi.val[0]), a0), vget_low_s16(hi.val[1]), a1);
            acc[r][3] = vmlal_n_s16(vmlal_n_s16(acc[r][3], vget_high_s16(hi.val[0]), a0), vget_high_s16(hi.val[1]), a1);
        }
    }
    for (int r = 0; r < EMBER_GEMM_MR; r++)
        for (int h = 0; h < 4; h++) vst1q_s32(tile + r * EMBER_GEMM_NR + 4 * h, acc[r][h]);
}

#if defined(EMBER_GEMM_DOTPROD)
/* sdot: each instruction adds four 4-tap int8 dot products (one per column of a group of
 * 4) into int32 lanes; the A quad of row r is lane r % 4 of one of two A vectors. 24
 * accumulators, 4 panel and 2 A registers. Exact: |sum| <= 128 * 128 * K. */
void ember_i8_gemm_6x16_quads(int64_t k4, const int8_t *a, const uint8_t *panel, int32_t *tile) {
    int32x4_t acc[EMBER_GEMM_MR][4];
    for (int r = 0; r < EMBER_GEMM_MR; r++)
        for (int h = 0; h < 4; h++) acc[r][h] = vdupq_n_s32(0);
    for (int64_t q = 0; q < k4; q++) {
        const int8_t *bq = (const int8_t *)panel + q * 4 * EMBER_GEMM_NR;   /* the bytes as int8 */
        int8x16_t b[4] = {vld1q_s8(bq), vld1q_s8(bq + 16), vld1q_s8(bq + 32), vld1q_s8(bq + 48)};
        int8x16_t a03 = vld1q_s8(a + q * 32), a47 = vld1q_s8(a + q * 32 + 16);
        for (int h = 0; h < 4; h++) {
            acc[0][h] = vdotq_laneq_s32(acc[0][h], b[h], a03, 0);
            acc[1][h] = vdotq_laneq_s32(acc[1][h], b[h], a03, 1);
            acc[2][h] = vdotq_laneq_s32(acc[2][h], b[h], a03, 2);
            acc[3][h] = vdotq_laneq_s32(acc[3][h], b[h], a03, 3);
            acc[4][h] = vdotq_laneq_s32(acc[4][h], b[h], a47, 0);
            acc[5][h] = vdotq_laneq_s32(acc[5][h], b[h], a47, 1);
        }
    }
    for (int r = 0; r < EMBER_GEMM_MR; r++)
        for (int h = 0; h < 4; h++) vst1q_s32(tile + r * EMBER_GEMM_NR + 4 * h, acc[r][h]);
}
#endif
#else
typedef int ember_i8_gemm_neon_not_built;   /* ISO C wants a declaration in every file */
#endif
