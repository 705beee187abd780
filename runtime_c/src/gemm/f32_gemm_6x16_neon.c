/* f32 GEMM micro-kernel, 6 x 16, aarch64 NEON: 24 accumulators (6 rows x 4 vectors of 4)
 * and four panel vectors per step, inside NEON's 32 registers. */
#include "gemm.h"

#if defined(EMBER_GEMM_NEON)
#include <arm_neon.h>

void ember_f32_gemm_6x16_neon(int64_t kc, const float *const *a, const float *panel, float *c, int64_t ldc,
                              int accumulate, const ember_f32_epilogue *e) {
    float32x4_t acc[EMBER_GEMM_MR][4];
    for (int r = 0; r < EMBER_GEMM_MR; r++)
        for (int h = 0; h < 4; h++) acc[r][h] = vdupq_n_f32(0.0f);
    for (int64_t p = 0; p < kc; p++) {
        const float *bp = panel + p * EMBER_GEMM_NR;
        float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4), b2 = vld1q_f32(bp + 8), b3 = vld1q_f32(bp + 12);
        for (int r = 0; r < EMBER_GEMM_MR; r++) {
            float32x4_t v = vdupq_n_f32(a[r][p]);
            acc[r][0] = vfmaq_f32(acc[r][0], v, b0);
            acc[r][1] = vfmaq_f32(acc[r][1], v, b1);
            acc[r][2] = vfmaq_f32(acc[r][2], v, b2);
            acc[r][3] = vfmaq_f32(acc[r][3], v, b3);
        }
    }
    for (int r = 0; r < EMBER_GEMM_MR; r++)
        for (int h = 0; h < 4; h++) {
            float *cp = c + r * ldc + 4 * h;
            float32x4_t v = acc[r][h];
            if (accumulate) v = vaddq_f32(vld1q_f32(cp), v);
            if (e != NULL) {
                if (e->row_bias != NULL) v = vaddq_f32(v, vdupq_n_f32(e->row_bias[r]));
                if (e->col_bias != NULL) v = vaddq_f32(v, vld1q_f32(e->col_bias + 4 * h));
                if (e->res != NULL) v = vaddq_f32(v, vld1q_f32(e->res + r * e->ldr + 4 * h));
                /* lo > v ? lo : v, then hi < v ? hi : v: a compare and select keep NaN */
                v = vbslq_f32(vcgtq_f32(vdupq_n_f32(e->lo), v), vdupq_n_f32(e->lo), v);
                v = vbslq_f32(vcltq_f32(vdupq_n_f32(e->hi), v), vdupq_n_f32(e->hi), v);
            }
            vst1q_f32(cp, v);
        }
}
#else
typedef int ember_f32_gemm_neon_not_built;   /* ISO C wants a declaration in every file */
#endif
