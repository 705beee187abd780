/* SLICE along `axis`: out = x[start : start + step*(n-1) + 1 : step], n = out.shape[axis];
 * start >= 0, step >= 1, the last index inside x. Any dtype (x and out share it): rows of
 * bytes are copied.
 * x: (outer, len, inner); out: (outer, n, inner). */
#include "op.h"

/* `row` bytes per (outer, index) pair. */
static void slice_bytes(const void *x, void *y, int64_t outer, int64_t len, int64_t n, int64_t start, int64_t step,
                        int64_t row) {
    for (int64_t o = 0; o < outer; o++) {
        const char *xo = (const char *)x + o * len * row;   /* (len, row bytes) */
        char *yo = (char *)y + o * n * row;                 /* (n, row bytes) */
        for (int64_t i = 0; i < n; i++) memmove(yo + i * row, xo + (start + i * step) * row, (size_t)row);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_slice_params *p = &a->p->slice;
    char xs[96], ys[96];
    int axis = p->axis;
    if (x->dtype != y->dtype || x->rank != y->rank || axis < 0 || axis >= x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s (dtype %d), output %s (dtype %d), axis %d inconsistent",
                          ember_shape_str(x, xs, sizeof xs), (int)x->dtype, ember_shape_str(y, ys, sizeof ys),
                          (int)y->dtype, axis);
    for (int d = 0; d < x->rank; d++)
        if (d != axis && x->shape[d] != y->shape[d])
            return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ off axis %d",
                              ember_shape_str(x, xs, sizeof xs), ember_shape_str(y, ys, sizeof ys), axis);
    int64_t n = y->shape[axis], len = x->shape[axis];
    /* start + step*(n-1) < len, without overflow: start < len, then step <= (len-1-start)/(n-1). */
    int ok = p->start >= 0 && p->step >= 1;
    if (ok && n > 0) ok = p->start < len && (n == 1 || p->step <= (len - 1 - p->start) / (n - 1));
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "start %lld, step %lld, count %lld exceed dimension %lld",
                          (long long)p->start, (long long)p->step, (long long)n, (long long)len);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    int axis = a->p->slice.axis;
    int64_t outer = 1, row = (int64_t)ember_dtype_size((ember_dtype)y->dtype);
    (void)err;
    for (int d = 0; d < axis; d++) outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++) row *= x->shape[d];
    slice_bytes(x->data, y->data, outer, x->shape[axis], y->shape[axis], a->p->slice.start, a->p->slice.step, row);
    return EMBER_OK;
}

const ember_op_impl ember_op_slice = {"SLICE", check, eval, NULL};
