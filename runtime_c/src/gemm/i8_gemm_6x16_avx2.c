/* int8 GEMM micro-kernel, 6 x 16, AVX2: per pair of taps, vpmaddwd multiplies 16-bit
 * panel values by a broadcast pair of widened weights and adds each pair into int32
 * (exact: |sum| <= 2 * 255 * 255); 12 int32x8 accumulators. Where the build targets
 * AVX512-VNNI with VL (EMBER_GEMM_VNNI), vpdpwssd does the multiply-add and the
 * accumulation in one instruction, with the same integers. */
#include "gemm.h"

#if defined(EMBER_GEMM_AVX2)
#include <immintrin.h>
#include <string.h>

static inline __m256i pair(const int16_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

void ember_i8_gemm_6x16_avx2(int64_t k2, const int16_t *const *a, const int16_t *panel, int32_t *tile) {
    __m256i acc[EMBER_GEMM_MR][2];
    for (int r = 0; r < EMBER_GEMM_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (int64_t q = 0; q < k2; q++) {
        const int16_t *bq = panel + q * 2 * EMBER_GEMM_NR;
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(const void *)bq);
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(const void *)(bq + 16));
        for (int r = 0; r < EMBER_GEMM_MR; r++) {
            __m256i v = pair(a[r] + 2 * q);
#if defined(EMBER_GEMM_VNNI)
            acc[r][0] = _mm256_dpwssd_epi32(acc[r][0], b0, v);   /* the same sums, one instruction */
            acc[r][1] = _mm256_dpwssd_epi32(acc[r][1], b1, v);
#else
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(b0, v));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(b1, v));
#endif
        }
    }
    for (int r = 0; r < EMBER_GEMM_MR; r++) {
        _mm256_storeu_si256((__m256i *)(void *)(tile + r * EMBER_GEMM_NR), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(void *)(tile + r * EMBER_GEMM_NR + 8), acc[r][1]);
    }
}
#else
typedef int ember_i8_gemm_avx2_not_built;   /* ISO C wants a declaration in every file */
#endif
