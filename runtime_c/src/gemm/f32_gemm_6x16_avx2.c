/* f32 GEMM micro-kernel, 6 x 16, AVX2 + FMA: 12 accumulators (6 rows x 2 vectors of 8),
 * two panel vectors and one broadcast per step, inside AVX2's 16 registers. */
#include "gemm.h"

#if defined(EMBER_GEMM_AVX2)
#include <immintrin.h>

void ember_f32_gemm_6x16_avx2(int64_t kc, const float *const *a, const float *panel, float *c, int64_t ldc,
                              int accumulate, const ember_f32_epilogue *e) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
           c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
           c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
           c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5];
    for (int64_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(panel + p * EMBER_GEMM_NR), b1 = _mm256_loadu_ps(panel + p * EMBER_GEMM_NR + 8);
        __m256 v = _mm256_broadcast_ss(a0 + p);
        c00 = _mm256_fmadd_ps(v, b0, c00);
        c01 = _mm256_fmadd_ps(v, b1, c01);
        v = _mm256_broadcast_ss(a1 + p);
        c10 = _mm256_fmadd_ps(v, b0, c10);
        c11 = _mm256_fmadd_ps(v, b1, c11);
        v = _mm256_broadcast_ss(a2 + p);
        c20 = _mm256_fmadd_ps(v, b0, c20);
        c21 = _mm256_fmadd_ps(v, b1, c21);
        v = _mm256_broadcast_ss(a3 + p);
        c30 = _mm256_fmadd_ps(v, b0, c30);
        c31 = _mm256_fmadd_ps(v, b1, c31);
        v = _mm256_broadcast_ss(a4 + p);
        c40 = _mm256_fmadd_ps(v, b0, c40);
        c41 = _mm256_fmadd_ps(v, b1, c41);
        v = _mm256_broadcast_ss(a5 + p);
        c50 = _mm256_fmadd_ps(v, b0, c50);
        c51 = _mm256_fmadd_ps(v, b1, c51);
    }
    __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    for (int r = 0; r < EMBER_GEMM_MR; r++)
        for (int h = 0; h < 2; h++) {
            float *cp = c + r * ldc + 8 * h;
            __m256 v = acc[2 * r + h];
            if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(cp), v);
            if (e != NULL) {
                if (e->row_bias != NULL) v = _mm256_add_ps(v, _mm256_set1_ps(e->row_bias[r]));
                if (e->col_bias != NULL) v = _mm256_add_ps(v, _mm256_loadu_ps(e->col_bias + 8 * h));
                if (e->res != NULL) v = _mm256_add_ps(v, _mm256_loadu_ps(e->res + r * e->ldr + 8 * h));
                v = _mm256_max_ps(_mm256_set1_ps(e->lo), v);   /* lo > v ? lo : v (NaN: v) */
                v = _mm256_min_ps(_mm256_set1_ps(e->hi), v);   /* hi < v ? hi : v */
            }
            _mm256_storeu_ps(cp, v);
        }
}

void ember_f32_pack_transposed_avx2(const float *w, int64_t ldw, int64_t kc, float *panel) {
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8)
        for (int h = 0; h < 2; h++) {              /* columns 8h .. 8h + 7 of the panel */
            const float *r = w + (8 * h) * ldw + p; /* rows j = 8h .. of W, taps p .. p + 7 */
            __m256 r0 = _mm256_loadu_ps(r), r1 = _mm256_loadu_ps(r + ldw), r2 = _mm256_loadu_ps(r + 2 * ldw),
                   r3 = _mm256_loadu_ps(r + 3 * ldw), r4 = _mm256_loadu_ps(r + 4 * ldw),
                   r5 = _mm256_loadu_ps(r + 5 * ldw), r6 = _mm256_loadu_ps(r + 6 * ldw),
                   r7 = _mm256_loadu_ps(r + 7 * ldw);
            /* 8x8 transpose: interleave pairs, then quads, then swap 128-bit halves */
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
                   t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
                   t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
                   u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
                   u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
                   u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            float *d = panel + p * EMBER_GEMM_NR + 8 * h;
            _mm256_storeu_ps(d + 0 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(d + 1 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(d + 2 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(d + 3 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(d + 4 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(d + 5 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(d + 6 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(d + 7 * EMBER_GEMM_NR, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
    for (; p < kc; p++)
        for (int j = 0; j < EMBER_GEMM_NR; j++) panel[p * EMBER_GEMM_NR + j] = w[j * ldw + p];
}

/* The scalar version's sums (p mod 4, then (s0 + s1) + (s2 + s3)), each step one FMA. */
void ember_f32_gemv_panel_avx2(const float *x, const float *panel, int64_t k, float *y) {
    __m256 s0a = _mm256_setzero_ps(), s0b = _mm256_setzero_ps(), s1a = _mm256_setzero_ps(),
           s1b = _mm256_setzero_ps(), s2a = _mm256_setzero_ps(), s2b = _mm256_setzero_ps(),
           s3a = _mm256_setzero_ps(), s3b = _mm256_setzero_ps();
    int64_t p = 0;
    for (; p + 4 <= k; p += 4) {
        const float *w = panel + p * EMBER_GEMM_NR;
        __m256 x0 = _mm256_broadcast_ss(x + p), x1 = _mm256_broadcast_ss(x + p + 1),
               x2 = _mm256_broadcast_ss(x + p + 2), x3 = _mm256_broadcast_ss(x + p + 3);
        s0a = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w), s0a);
        s0b = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w + 8), s0b);
        s1a = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w + 16), s1a);
        s1b = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w + 24), s1b);
        s2a = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w + 32), s2a);
        s2b = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w + 40), s2b);
        s3a = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w + 48), s3a);
        s3b = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w + 56), s3b);
    }
    if (p < k) {   /* the last 1-3 taps go to s0, s1, s2 in order */
        const float *w = panel + p * EMBER_GEMM_NR;
        __m256 x0 = _mm256_broadcast_ss(x + p);
        s0a = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w), s0a);
        s0b = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w + 8), s0b);
        if (p + 1 < k) {
            __m256 x1 = _mm256_broadcast_ss(x + p + 1);
            s1a = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w + 16), s1a);
            s1b = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w + 24), s1b);
        }
        if (p + 2 < k) {
            __m256 x2 = _mm256_broadcast_ss(x + p + 2);
            s2a = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w + 32), s2a);
            s2b = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w + 40), s2b);
        }
    }
    _mm256_storeu_ps(y, _mm256_add_ps(_mm256_add_ps(s0a, s1a), _mm256_add_ps(s2a, s3a)));
    _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_add_ps(s0b, s1b), _mm256_add_ps(s2b, s3b)));
}
#else
typedef int ember_f32_gemm_avx2_not_built;   /* ISO C wants a declaration in every file */
#endif
