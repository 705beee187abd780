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

#if defined(EMBER_GEMM_I8_QUADS)
/* vpdpbusd: per int32 lane, four uint8 panel bytes (one column's taps 4q .. 4q + 3) times
 * row r's four int8 weights, added in; 12 accumulators, 2 panel vectors, one broadcast
 * quad per row. Sums wrap modulo 2^32 (|a u| <= 128 * 255 per tap), which the driver's
 * correction expects. */
void ember_i8_gemm_6x16_quads(int64_t k4, const int8_t *a, const uint8_t *panel, int32_t *tile) {
    __m256i acc[EMBER_GEMM_MR][2];
    for (int r = 0; r < EMBER_GEMM_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (int64_t q = 0; q < k4; q++) {
        const uint8_t *bq = panel + q * 4 * EMBER_GEMM_NR;
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(const void *)bq);
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(const void *)(bq + 32));
        for (int r = 0; r < EMBER_GEMM_MR; r++) {
            int32_t quad;
            memcpy(&quad, a + q * 32 + r * 4, sizeof quad);
            __m256i v = _mm256_set1_epi32(quad);
            acc[r][0] = _mm256_dpbusd_epi32(acc[r][0], b0, v);
            acc[r][1] = _mm256_dpbusd_epi32(acc[r][1], b1, v);
        }
    }
    for (int r = 0; r < EMBER_GEMM_MR; r++) {
        _mm256_storeu_si256((__m256i *)(void *)(tile + r * EMBER_GEMM_NR), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(void *)(tile + r * EMBER_GEMM_NR + 8), acc[r][1]);
    }
}

/* gemm.h's ember_i8_quads_from_pairs: per quad row, the two pair rows (int16, a column's
 * pair in each 32-bit unit) plus c, packed to bytes (no saturation: every u is in [0, 255])
 * and interleaved by 16-bit units, so column j gets its pair from each: its four taps.
 * Column sums of v by vpmaddwd with ones. */
void ember_i8_quads_from_pairs_avx2(int64_t k2, int64_t k4, int32_t c, int16_t *panel, int32_t *colsum) {
    const __m256i vc = _mm256_set1_epi16((int16_t)c), ones = _mm256_set1_epi16(1);
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    uint8_t *dst = (uint8_t *)panel;
    for (int64_t q = 0; q < k4; q++) {
        const int16_t *r0 = panel + q * 4 * EMBER_GEMM_NR;   /* pair rows 2q and 2q + 1 */
        __m256i a0 = _mm256_loadu_si256((const __m256i *)(const void *)r0);
        __m256i a1 = _mm256_loadu_si256((const __m256i *)(const void *)(r0 + 16));
        __m256i b0 = _mm256_setzero_si256(), b1 = _mm256_setzero_si256();
        if (2 * q + 1 < k2) {
            b0 = _mm256_loadu_si256((const __m256i *)(const void *)(r0 + 32));
            b1 = _mm256_loadu_si256((const __m256i *)(const void *)(r0 + 48));
        }
        s0 = _mm256_add_epi32(s0, _mm256_add_epi32(_mm256_madd_epi16(a0, ones), _mm256_madd_epi16(b0, ones)));
        s1 = _mm256_add_epi32(s1, _mm256_add_epi32(_mm256_madd_epi16(a1, ones), _mm256_madd_epi16(b1, ones)));
        /* lanes: ua = [cols 0-3 | 8-11], [cols 4-7 | 12-15] as byte pairs; likewise ub */
        __m256i ua = _mm256_packus_epi16(_mm256_add_epi16(a0, vc), _mm256_add_epi16(a1, vc));
        __m256i ub = _mm256_packus_epi16(_mm256_add_epi16(b0, vc), _mm256_add_epi16(b1, vc));
        _mm256_storeu_si256((__m256i *)(void *)(dst + q * 64), _mm256_unpacklo_epi16(ua, ub));        /* cols 0-7 */
        _mm256_storeu_si256((__m256i *)(void *)(dst + q * 64 + 32), _mm256_unpackhi_epi16(ua, ub));   /* cols 8-15 */
    }
    _mm256_storeu_si256((__m256i *)(void *)colsum, s0);
    _mm256_storeu_si256((__m256i *)(void *)(colsum + 8), s1);
}

/* Four tap rows (16 bytes each) into quads by byte then 16-bit unpacks; + offset (128
 * here: flipping the sign bit of a two's complement byte adds 128 modulo 256). */
void ember_i8_quads_of_taps_avx2(const int8_t *const *rows, int32_t offset, uint8_t *dst) {
    const __m128i off = _mm_set1_epi8((char)(offset & 0xff));
    __m128i r0 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(const void *)rows[0]), off);
    __m128i r1 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(const void *)rows[1]), off);
    __m128i r2 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(const void *)rows[2]), off);
    __m128i r3 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(const void *)rows[3]), off);
    __m128i ab_lo = _mm_unpacklo_epi8(r0, r1), ab_hi = _mm_unpackhi_epi8(r0, r1);   /* columns 0-7, 8-15 */
    __m128i cd_lo = _mm_unpacklo_epi8(r2, r3), cd_hi = _mm_unpackhi_epi8(r2, r3);
    _mm_storeu_si128((__m128i *)(void *)dst, _mm_unpacklo_epi16(ab_lo, cd_lo));          /* columns 0-3 */
    _mm_storeu_si128((__m128i *)(void *)(dst + 16), _mm_unpackhi_epi16(ab_lo, cd_lo));   /* 4-7 */
    _mm_storeu_si128((__m128i *)(void *)(dst + 32), _mm_unpacklo_epi16(ab_hi, cd_hi));   /* 8-11 */
    _mm_storeu_si128((__m128i *)(void *)(dst + 48), _mm_unpackhi_epi16(ab_hi, cd_hi));   /* 12-15 */
}

/* Column sums of uint8 quads: vpmaddubsw with ones (pairs into int16, exact), vpmaddwd
 * with ones (a column's four values in its 32-bit lane). */
void ember_i8_quad_colsums_avx2(const uint8_t *panel, int64_t k4, int32_t *colsum) {
    const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    for (int64_t q = 0; q < k4; q++) {
        __m256i u0 = _mm256_loadu_si256((const __m256i *)(const void *)(panel + q * 64));
        __m256i u1 = _mm256_loadu_si256((const __m256i *)(const void *)(panel + q * 64 + 32));
        s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(_mm256_maddubs_epi16(u0, ones8), ones16));
        s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(_mm256_maddubs_epi16(u1, ones8), ones16));
    }
    _mm256_storeu_si256((__m256i *)(void *)colsum, s0);
    _mm256_storeu_si256((__m256i *)(void *)(colsum + 8), s1);
}

/* gemm.h's ember_i8_quads_of_rows: 32 taps of the 6 rows (and 2 zero rows) at a time as
 * an 8x8 transpose of 32-bit quads; row sums by vpmaddubsw with ones (pairs into int16,
 * exact) then vpmaddwd. The last K % 32 taps as the scalar version does them. */
void ember_i8_quads_of_rows_avx2(const int8_t *const *rows, int64_t k, int8_t *aq, int32_t *rowsum) {
    const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    __m256i sum[EMBER_GEMM_MR];
    for (int r = 0; r < EMBER_GEMM_MR; r++) sum[r] = _mm256_setzero_si256();
    int64_t p = 0;
    for (; p + 32 <= k; p += 32) {
        __m256i v[8];
        for (int r = 0; r < EMBER_GEMM_MR; r++) {
            v[r] = _mm256_loadu_si256((const __m256i *)(const void *)(rows[r] + p));
            sum[r] = _mm256_add_epi32(sum[r], _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, v[r]), ones16));
        }
        v[6] = v[7] = _mm256_setzero_si256();
        /* transpose 8 rows x 8 quads: t[q] = quad q of rows 0..7 */
        __m256i a0 = _mm256_unpacklo_epi32(v[0], v[1]), a1 = _mm256_unpackhi_epi32(v[0], v[1]);
        __m256i a2 = _mm256_unpacklo_epi32(v[2], v[3]), a3 = _mm256_unpackhi_epi32(v[2], v[3]);
        __m256i a4 = _mm256_unpacklo_epi32(v[4], v[5]), a5 = _mm256_unpackhi_epi32(v[4], v[5]);
        __m256i a6 = _mm256_unpacklo_epi32(v[6], v[7]), a7 = _mm256_unpackhi_epi32(v[6], v[7]);
        __m256i b0 = _mm256_unpacklo_epi64(a0, a2), b1 = _mm256_unpackhi_epi64(a0, a2);
        __m256i b2 = _mm256_unpacklo_epi64(a1, a3), b3 = _mm256_unpackhi_epi64(a1, a3);
        __m256i b4 = _mm256_unpacklo_epi64(a4, a6), b5 = _mm256_unpackhi_epi64(a4, a6);
        __m256i b6 = _mm256_unpacklo_epi64(a5, a7), b7 = _mm256_unpackhi_epi64(a5, a7);
        int8_t *d = aq + (p / 4) * 32;
        __m256i t[8] = {_mm256_permute2x128_si256(b0, b4, 0x20), _mm256_permute2x128_si256(b1, b5, 0x20),
                        _mm256_permute2x128_si256(b2, b6, 0x20), _mm256_permute2x128_si256(b3, b7, 0x20),
                        _mm256_permute2x128_si256(b0, b4, 0x31), _mm256_permute2x128_si256(b1, b5, 0x31),
                        _mm256_permute2x128_si256(b2, b6, 0x31), _mm256_permute2x128_si256(b3, b7, 0x31)};
        for (int q = 0; q < 8; q++) _mm256_storeu_si256((__m256i *)(void *)(d + q * 32), t[q]);
    }
    int32_t lanes[8];
    if (p < k) memset(aq + (p / 4) * 32, 0, (size_t)(((k - p + 3) / 4) * 32));
    for (int r = 0; r < EMBER_GEMM_MR; r++) {
        _mm256_storeu_si256((__m256i *)(void *)lanes, sum[r]);
        int32_t s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for (int64_t i = p; i < k; i++) {
            aq[(i / 4) * 32 + r * 4 + i % 4] = rows[r][i];
            s += rows[r][i];
        }
        rowsum[r] = s;
    }
}
#endif
#else
typedef int ember_i8_gemm_avx2_not_built;   /* ISO C wants a declaration in every file */
#endif
