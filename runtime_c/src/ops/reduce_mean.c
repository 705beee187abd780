/* REDUCE_MEAN, float32: the mean over `axes` (distinct; none means no reduction), summed in
 * double as the Python runtime does; keep_dims keeps them as size 1. The mean of no
 * elements is NaN.
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

/* Advances the row-major index idx over dims; returns the change of the offset. */
int64_t ember_odometer(int64_t *idx, const int64_t *dims, const int64_t *strides, int n) {
    int64_t delta = 0;
    for (int d = n - 1; d >= 0; d--) {
        idx[d]++;
        delta += strides[d];
        if (idx[d] < dims[d]) return delta;
        delta -= strides[d] * dims[d];
        idx[d] = 0;
    }
    return delta;
}

void ember_reduce_split(const ember_tensor *x, const ember_reduce_params *p, ember_reduce_shape *s) {
    uint32_t reduced = 0;
    int64_t stride = 1, st[EMBER_MAX_RANK];
    for (int i = 0; i < p->n_axes; i++) reduced |= 1u << p->axes[i];
    for (int d = x->rank - 1; d >= 0; d--) {
        st[d] = stride;
        stride *= x->shape[d];
    }
    s->n_keep = s->n_red = 0;
    s->outer = s->count = 1;
    for (int d = 0; d < x->rank; d++) {
        if ((reduced >> d) & 1u) {
            s->red[s->n_red] = x->shape[d];
            s->red_stride[s->n_red++] = st[d];
            s->count *= x->shape[d];
        } else {
            s->keep[s->n_keep] = x->shape[d];
            s->keep_stride[s->n_keep++] = st[d];
            s->outer *= x->shape[d];
        }
    }
}

/* Axes distinct and inside x's rank; y's shape is x's with them removed (or 1 with keep_dims). */
ember_status ember_reduce_check(const ember_tensor *x, const ember_tensor *y, const ember_reduce_params *p,
                                 ember_error *err) {
    uint32_t seen = 0;
    char xs[96], ys[96];
    for (int i = 0; i < p->n_axes; i++) {
        int32_t ax = p->axes[i];
        if (ax < 0 || ax >= x->rank || ((seen >> ax) & 1u))
            return ember_fail(err, EMBER_ERR_VERIFY, "axes entry %d: axis %d repeated or out of range for rank %d", i,
                              (int)ax, (int)x->rank);
        seen |= 1u << ax;
    }
    int ok = y->rank == (p->keep_dims ? x->rank : x->rank - p->n_axes);
    for (int d = 0, k = 0; ok && d < x->rank; d++) {
        if (!((seen >> d) & 1u)) ok = y->shape[k++] == x->shape[d];
        else if (p->keep_dims) ok = y->shape[k++] == 1;
    }
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s reduced over %d axes (keep_dims %d) is not output %s",
                          ember_shape_str(x, xs, sizeof xs), (int)p->n_axes, (int)p->keep_dims,
                          ember_shape_str(y, ys, sizeof ys));
    return EMBER_OK;
}

/* x: x's shape; y: (outer), in the order of x's kept dimensions. */
static void reduce_mean_f32(const float *x, float *y, const ember_reduce_shape *s) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        double sum = 0.0;
        for (int64_t r = 0; r < s->count; r++) {
            sum += (double)x[off];
            off += ember_odometer(ir, s->red, s->red_stride, s->n_red);
        }
        y[o] = (float)(sum / (double)s->count);
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (a->in[0]->dtype != EMBER_DTYPE_FLOAT32 || a->out->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must be FLOAT32");
    return ember_reduce_check(a->in[0], a->out, &a->p->reduce, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    ember_reduce_shape s;
    (void)err;
    ember_reduce_split(a->in[0], &a->p->reduce, &s);
    reduce_mean_f32((const float *)a->in[0]->data, (float *)a->out->data, &s);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_mean = {"REDUCE_MEAN", check, eval};
