/* REDUCE_ANY over `axes` (distinct; none means no reduction); keep_dims keeps them as
 * size 1. x of any dtype (an element is true when nonzero; NaN is true, -0.0 false);
 * out is BOOL. Any over no elements is false.
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

static int nonzero(const void *x, uint8_t dtype, int64_t i) {
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: return ((const float *)x)[i] != 0.0f;
    case EMBER_DTYPE_INT32: return ((const int32_t *)x)[i] != 0;
    case EMBER_DTYPE_INT64: return ((const int64_t *)x)[i] != 0;
    default: return ((const uint8_t *)x)[i] != 0;   /* INT8, UINT8, BOOL */
    }
}

/* x: x's shape; y: (outer), in the order of x's kept dimensions. */
static void reduce_any(const void *x, uint8_t dtype, void *yv, uint8_t yt, const ember_reduce_shape *s) {
    uint8_t *y = (uint8_t *)yv;   /* BOOL */
    (void)yt;
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        uint8_t any = 0;
        for (int64_t r = 0; r < s->count && !any; r++) {
            any = (uint8_t)nonzero(x, dtype, off);
            off += ember_odometer(ir, s->red, s->red_stride, s->n_red);
        }
        y[o] = any;
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (a->out->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "output must be BOOL");
    return ember_reduce_check(a->in[0], a->out, &a->p->reduce, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_reduce_eval(a, reduce_any);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_any = {"REDUCE_ANY", check, eval, NULL};
