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
#else
typedef int ember_i8_gemm_neon_not_built;   /* ISO C wants a declaration in every file */
#endif
