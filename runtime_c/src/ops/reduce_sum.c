/* REDUCE_SUM over `axes` (distinct; none means no reduction); keep_dims keeps them as size 1.
 *   FLOAT32 in, FLOAT32 out: summed in double and rounded once. numpy (the Python runtime)
 *     sums pairwise in float32, so the two differ by numpy's rounding, about
 *     log2(n) * 6e-8 * sum |x|: beyond 1e-5 only for long, heavily cancelling sums.
 *   Integer or BOOL in (BOOL counts nonzero as 1): summed in int64 with wrap-around, as
 *     numpy, then converted to the output's dtype (integers wrap, FLOAT32 rounds, BOOL is
 *     sum != 0).
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

/* x: x's shape; y: (outer), in the order of x's kept dimensions. */
static void reduce_sum_f32(const float *x, float *y, const ember_reduce_shape *s) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        double sum = 0.0;
        for (int64_t r = 0; r < s->count; r++) {
            sum += (double)x[off];
            off += ember_odometer(ir, s->red, s->red_stride, s->n_red);
        }
        y[o] = (float)sum;
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

/* FLOAT32 x summed in double, others in int64 (ember_reduce_fn). */
static void reduce_sum(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s) {
    if (xt == EMBER_DTYPE_FLOAT32)
        reduce_sum_f32((const float *)x, (float *)y, s);   /* the check makes y FLOAT32 too */
    else
        ember_reduce_int(x, xt, y, yt, s, 0);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_reduce_eval(a, reduce_sum);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_sum = {"REDUCE_SUM", ember_reduce_numeric_check, eval, NULL};
