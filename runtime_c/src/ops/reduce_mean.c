/* REDUCE_MEAN, float32: the mean over `axes` (distinct; none means no reduction), summed in
 * double (four partial sums, independent chains) as the Python runtime sums in double;
 * keep_dims keeps them as size 1. The mean of no elements is NaN.
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

/* x: x's shape; y: (outer), in the order of x's kept dimensions. */
static void reduce_mean_f32(const float *x, float *y, const ember_reduce_shape *s) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    int n_outer;
    int64_t run = ember_reduce_run(s, &n_outer);
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        double part[4] = {0.0, 0.0, 0.0, 0.0};   /* element t of a run goes to part[t % 4] */
        for (int64_t r = 0; r < s->count; r += run) {
            int64_t t = 0;
            for (; t + 4 <= run; t += 4)
                for (int u = 0; u < 4; u++) part[u] += (double)x[off + t + u];
            for (; t < run; t++) part[t % 4] += (double)x[off + t];
            off += ember_odometer(ir, s->red, s->red_stride, n_outer);
        }
        double sum = (part[0] + part[1]) + (part[2] + part[3]);
        y[o] = (float)(sum / (double)s->count);
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (a->in[0]->dtype != EMBER_DTYPE_FLOAT32 || a->out->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must be FLOAT32");
    return ember_reduce_check(a->in[0], a->out, &a->p->reduce, err);
}

/* ember_reduce_fn of reduce_mean_f32 (the check makes x and y FLOAT32). */
static void reduce_mean(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s) {
    (void)xt, (void)yt;
    reduce_mean_f32((const float *)x, (float *)y, s);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_reduce_eval(a, reduce_mean);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_mean = {"REDUCE_MEAN", check, eval, NULL};
