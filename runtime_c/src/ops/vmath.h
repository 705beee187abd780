/* Float32 exp, tanh and GELU as short polynomial kernels (the libm calls they replace
 * took a third of a transformer's time). Each function has one scalar definition and,
 * with AVX2, an 8-lane one doing the same float operations in the same order (multiply,
 * then add: no FMA), so both give the same bits; runtime_c/tests/kernel_test.c checks
 * that, and each against libm in double over a dense grid:
 *   ember_vm_exp: within 2 ulp for results above 1e-30; 0 below x = -87 (exp(-87) is
 *   1.6e-38: results that would be subnormal are flushed), inf above 88 (where the true
 *   result, up to x = 88.72, is still finite: used where arguments are <= 0 or small);
 *   ember_vm_tanh: within 2 ulp;
 *   ember_vm_gelu (erf): within 8 ulp (outputs above 1e-30 in magnitude);
 *   ember_vm_gelu_tanh: within 16 ulp for |x| <= 3 and 2e-5 relative beyond (as torch's
 *   float formula, it loses accuracy with the size of its tanh argument).
 * NaN in gives NaN out. The coefficients: exp's Taylor terms to r^7 on |r| <= ln2/2
 * after Cody-Waite reduction; tanh's Taylor series to z^17 below 0.625, 1 - 2/(e^2z + 1)
 * above; erfc(u) = exp(-u^2) R(1 / (1 + u/2)) with R a degree-11 polynomial fitted (least
 * squares, relative, on u in [0, 10]) to erfc(u) exp(u^2), and u^2 split exactly
 * (Dekker) so exp's argument carries no rounding error. */
#ifndef EMBER_VMATH_H
#define EMBER_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVX2__) && !defined(EMBER_NO_SIMD)
#include <immintrin.h>
#define EMBER_VMATH_AVX2 1
#endif

#define EMBER_VM_EXP_LO (-87.0f)   /* exp below: 0 */
#define EMBER_VM_EXP_HI 88.0f      /* exp above: inf */
#define EMBER_VM_ROUND 12582912.0f /* 1.5 * 2^23: (v + it) - it rounds v to an integer */

static const float ember_vm_exp_poly[8] = {1.98412698e-4f, 1.38888889e-3f, 8.33333333e-3f, 4.16666667e-2f,
                                           1.66666667e-1f, 0.5f, 1.0f, 1.0f};
static const float ember_vm_tanh_poly[9] = {
    5.90027441e-4f /* 6404582/10854718875 */, -1.45583439e-3f, 3.59212804e-3f, -8.86323553e-3f, 2.18694885e-2f,
    -5.39682540e-2f, 1.33333333e-1f, -3.33333333e-1f, 1.0f};
static const float ember_vm_erfc_poly[12] = {
    0.029893940314650536f, -0.15294362604618073f, 0.2724016308784485f, -0.1082068532705307f,
    -0.21645520627498627f, 0.176208034157753f, -0.015184045769274235f, 0.2095051258802414f,
    0.2397051453590393f, 0.28305190801620483f, 0.28202152252197266f, 2.4386677068832796e-06f};

/* ---- scalar ------------------------------------------------------------------------ */
static inline float ember_vm_exp(float y) {
    if (y != y) return y;
    float c = EMBER_VM_EXP_LO > y ? EMBER_VM_EXP_LO : y;
    c = EMBER_VM_EXP_HI < c ? EMBER_VM_EXP_HI : c;
    float n = (c * 1.44269504f + EMBER_VM_ROUND) - EMBER_VM_ROUND;
    float r = (c - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = ember_vm_exp_poly[0];
    for (int i = 1; i < 8; i++) p = p * r + ember_vm_exp_poly[i];
    int32_t bits = ((int32_t)n + 127) * (1 << 23);
    float s;
    memcpy(&s, &bits, sizeof s);
    float e = p * s;
    return y < EMBER_VM_EXP_LO ? 0.0f : y > EMBER_VM_EXP_HI ? INFINITY : e;
}

static inline float ember_vm_tanh(float z) {
    float a = fabsf(z), z2 = z * z;
    a = 9.0f < a ? 9.0f : a;
    float p = ember_vm_tanh_poly[0];
    for (int i = 1; i < 9; i++) p = p * z2 + ember_vm_tanh_poly[i];
    float small = z * p;
    float big = 1.0f - 2.0f / (ember_vm_exp(2.0f * a) + 1.0f);
    return fabsf(z) < 0.625f ? small : z < 0.0f ? -big : big;
}

/* x * Phi(x) = x/2 * (2 - erfc(|x|/sqrt 2)) for x >= 0, x/2 * erfc(|x|/sqrt 2) below. */
static inline float ember_vm_gelu(float x) {
    float ax = fabsf(x);
    ax = 14.0f < ax ? 14.0f : ax;
    float t = 1.0f / (1.0f + 0.5f * (ax * 0.70710678f));
    float p = ember_vm_erfc_poly[0];
    for (int i = 1; i < 12; i++) p = p * t + ember_vm_erfc_poly[i];
    float c = 4097.0f * ax, xh = c - (c - ax), xl = ax - xh;      /* ax^2 = hi + lo exactly */
    float hi = ax * ax, lo = ((xh * xh - hi) + 2.0f * xh * xl) + xl * xl;
    float e = ember_vm_exp(hi * -0.5f) * (1.0f - lo * 0.5f) * p;   /* erfc(|x| / sqrt 2) */
    float h = x >= 0.0f ? 2.0f - e : e;
    return x * 0.5f * h;
}

/* x/2 * (1 + tanh(z)) = x / (1 + exp(-2z)), z = sqrt(2/pi) (x + 0.044715 x^3). */
static inline float ember_vm_gelu_tanh(float x) {
    float z = 0.7978845608f * (x + 0.044715f * x * x * x);
    return x / (1.0f + ember_vm_exp(-2.0f * z));
}

#if defined(EMBER_VMATH_AVX2)
/* ---- AVX2: the same operations, 8 lanes ----------------------------------------------- */
static inline __m256 ember_vm_exp8(__m256 y) {
    const __m256 lo = _mm256_set1_ps(EMBER_VM_EXP_LO), hi = _mm256_set1_ps(EMBER_VM_EXP_HI);
    const __m256 rnd = _mm256_set1_ps(EMBER_VM_ROUND);
    __m256 c = _mm256_min_ps(hi, _mm256_max_ps(lo, y));   /* NaN stays NaN */
    __m256 n = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(c, _mm256_set1_ps(1.44269504f)), rnd), rnd);
    __m256 r = _mm256_sub_ps(_mm256_sub_ps(c, _mm256_mul_ps(n, _mm256_set1_ps(0.693359375f))),
                             _mm256_mul_ps(n, _mm256_set1_ps(-2.12194440e-4f)));
    __m256 p = _mm256_set1_ps(ember_vm_exp_poly[0]);
    for (int i = 1; i < 8; i++) p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(ember_vm_exp_poly[i]));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 e = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
    e = _mm256_blendv_ps(e, _mm256_setzero_ps(), _mm256_cmp_ps(y, lo, _CMP_LT_OQ));
    return _mm256_blendv_ps(e, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(y, hi, _CMP_GT_OQ));
}

static inline __m256 ember_vm_abs8(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

static inline __m256 ember_vm_tanh8(__m256 z) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    __m256 az = ember_vm_abs8(z), a = _mm256_min_ps(_mm256_set1_ps(9.0f), az), z2 = _mm256_mul_ps(z, z);
    __m256 p = _mm256_set1_ps(ember_vm_tanh_poly[0]);
    for (int i = 1; i < 9; i++) p = _mm256_add_ps(_mm256_mul_ps(p, z2), _mm256_set1_ps(ember_vm_tanh_poly[i]));
    __m256 small = _mm256_mul_ps(z, p);
    __m256 big = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(ember_vm_exp8(_mm256_mul_ps(two, a)), one)));
    big = _mm256_blendv_ps(big, _mm256_sub_ps(_mm256_setzero_ps(), big), _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ));
    return _mm256_blendv_ps(big, small, _mm256_cmp_ps(az, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

static inline __m256 ember_vm_gelu8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
    __m256 ax = _mm256_min_ps(_mm256_set1_ps(14.0f), ember_vm_abs8(x));
    __m256 t = _mm256_div_ps(one, _mm256_add_ps(one, _mm256_mul_ps(half, _mm256_mul_ps(ax, _mm256_set1_ps(0.70710678f)))));
    __m256 p = _mm256_set1_ps(ember_vm_erfc_poly[0]);
    for (int i = 1; i < 12; i++) p = _mm256_add_ps(_mm256_mul_ps(p, t), _mm256_set1_ps(ember_vm_erfc_poly[i]));
    __m256 c = _mm256_mul_ps(_mm256_set1_ps(4097.0f), ax);
    __m256 xh = _mm256_sub_ps(c, _mm256_sub_ps(c, ax)), xl = _mm256_sub_ps(ax, xh);
    __m256 hi = _mm256_mul_ps(ax, ax);
    __m256 lo = _mm256_add_ps(_mm256_add_ps(_mm256_sub_ps(_mm256_mul_ps(xh, xh), hi),
                                            _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(2.0f), xh), xl)),
                              _mm256_mul_ps(xl, xl));
    __m256 e = _mm256_mul_ps(_mm256_mul_ps(ember_vm_exp8(_mm256_mul_ps(hi, _mm256_set1_ps(-0.5f))),
                                           _mm256_sub_ps(one, _mm256_mul_ps(lo, half))),
                             p);
    __m256 h = _mm256_blendv_ps(e, _mm256_sub_ps(_mm256_set1_ps(2.0f), e),
                                _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
    return _mm256_mul_ps(_mm256_mul_ps(x, half), h);
}

static inline __m256 ember_vm_gelu_tanh8(__m256 x) {
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.044715f), x), x), x);
    __m256 z = _mm256_mul_ps(_mm256_set1_ps(0.7978845608f), _mm256_add_ps(x, x3));
    __m256 e = ember_vm_exp8(_mm256_mul_ps(_mm256_set1_ps(-2.0f), z));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}
#endif

/* y[i] = f(x[i]) for i < n, f one of the above (EMBER_VM_TANH, _GELU, _GELU_TANH, _EXP);
 * y may be x. */
enum { EMBER_VM_TANH, EMBER_VM_GELU, EMBER_VM_GELU_TANH, EMBER_VM_EXP };

static inline void ember_vm_row(int fn, const float *x, float *y, int64_t n) {
    int64_t i = 0;
#if defined(EMBER_VMATH_AVX2)
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        v = fn == EMBER_VM_TANH ? ember_vm_tanh8(v) : fn == EMBER_VM_GELU ? ember_vm_gelu8(v)
          : fn == EMBER_VM_EXP ? ember_vm_exp8(v) : ember_vm_gelu_tanh8(v);
        _mm256_storeu_ps(y + i, v);
    }
#endif
    for (; i < n; i++)
        y[i] = fn == EMBER_VM_TANH ? ember_vm_tanh(x[i]) : fn == EMBER_VM_GELU ? ember_vm_gelu(x[i])
             : fn == EMBER_VM_EXP ? ember_vm_exp(x[i]) : ember_vm_gelu_tanh(x[i]);
}

#endif /* EMBER_VMATH_H */
