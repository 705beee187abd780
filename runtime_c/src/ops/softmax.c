/* SOFTMAX along `axis`, float32: out = exp(x - max) / sum(exp(x - max)). A row of all
 * -inf (or holding +inf or NaN) gives NaN, as numpy and torch. exp is vmath.h's kernel
 * (within 2 ulp; a term below exp(-87) counts as 0, 1.6e-38 against the max's 1). The sum
 * is kept in double (numpy sums in float32), a difference of a few ulp: eight partial
 * sums (element j into sum j % 8) added pairwise, in every build. A rank-0 input is one
 * row of one. */
#include "op.h"
#include "vmath.h"

typedef struct softmax_job { const float *x; float *y; int64_t len, inner; } softmax_job;

/* ember_max_strided of a contiguous row: eight lanes of maxima, NaN tracked apart (the
 * max instruction drops it), so the same value (a zero's sign aside, which exp ignores). */
static float max_row(const float *x, int64_t n) {
    int64_t j = 0;
    float m = -INFINITY;
#if defined(EMBER_VMATH_AVX2)
    if (n >= 8) {
        __m256 vm = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
        for (; j + 8 <= n; j += 8) {
            __m256 v = _mm256_loadu_ps(x + j);
            vm = _mm256_max_ps(vm, v);
            nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        }
        if (_mm256_movemask_ps(nan) != 0) return NAN;
        float lanes[8];
        _mm256_storeu_ps(lanes, vm);
        for (int l = 0; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
    }
#endif
    float rest = ember_max_strided(x + j, n - j, 1);
    return rest > m || rest != rest ? rest : m;
}

static double tree8(const double *s) { return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])); }

/* sum_j e[j] in double: e[j] into partial sum j % 8, then tree8. */
static double sum8(const float *e, int64_t n) {
    double s[8] = {0};
    int64_t j = 0;
#if defined(EMBER_VMATH_AVX2)
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    for (; j + 8 <= n; j += 8) {
        __m256 v = _mm256_loadu_ps(e + j);
        lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    _mm256_storeu_pd(s, lo);
    _mm256_storeu_pd(s + 4, hi);
#endif
    for (; j < n; j++) s[j % 8] += (double)e[j];
    return tree8(s);
}

/* x, y: (outer, len, inner); row r = o * inner + i runs along len with stride inner.
 * Rows [begin, end). A contiguous row (inner 1) runs vectorised; a strided one element by
 * element, with the same operations in the same order. */
static void softmax_f32(const void *ctx, int64_t begin, int64_t end) {
    const softmax_job *t = (const softmax_job *)ctx;
    int64_t len = t->len, inner = t->inner;
    for (int64_t r = begin; r < end; r++) {
        int64_t o = r / inner, i = r % inner;
        const float *xr = t->x + o * len * inner + i;   /* (len) at stride inner */
        float *yr = t->y + o * len * inner + i;         /* (len) at stride inner */
        if (inner == 1) {
            float mx = max_row(xr, len);
            for (int64_t j = 0; j < len; j++) yr[j] = xr[j] - mx;
            ember_vm_row(EMBER_VM_EXP, yr, yr, len);
            float total = (float)sum8(yr, len);
            for (int64_t j = 0; j < len; j++) yr[j] = yr[j] / total;
            continue;
        }
        float mx = ember_max_strided(xr, len, inner);
        double s[8] = {0};
        for (int64_t j = 0; j < len; j++) {
            float e = ember_vm_exp(xr[j * inner] - mx);
            yr[j * inner] = e;
            s[j % 8] += (double)e;
        }
        float total = (float)tree8(s);
        for (int64_t j = 0; j < len; j++) yr[j * inner] = yr[j * inner] / total;
    }
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0];
    ember_axis_rows r = ember_axis_split(x, a->p->axis.axis);
    (void)err;
    softmax_job job = {(const float *)x->data, (float *)a->out->data, r.len, r.inner};
    ember_threads_for(a->threads, r.outer * r.inner, r.len > 0 && r.len < 8192 ? 8192 / r.len : 1, softmax_f32, &job);
    return EMBER_OK;
}

const ember_op_impl ember_op_softmax = {"SOFTMAX", ember_axis_f32_check, eval, NULL};
