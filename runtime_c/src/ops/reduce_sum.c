/* REDUCE_SUM over `axes` (distinct; none means no reduction); keep_dims keeps them as size 1.
 *   FLOAT32 in, FLOAT32 out: summed in double and rounded once. numpy (the Python runtime)
 *     sums pairwise in float32, so the two differ by numpy's rounding, about
 *     log2(n) * 6e-8 * sum |x|: beyond 1e-5 only for long, heavily cancelling sums.
 *   Integer or BOOL in (BOOL counts nonzero as 1): summed in int64 with wrap-around, as
 *     numpy, then converted to the output's dtype (integers wrap, FLOAT32 rounds, BOOL is
 *     sum != 0).
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

/* Element i of x widened to int64; a nonzero BOOL byte is 1. */
static int64_t load_int(const void *x, uint8_t dtype, int64_t i) {
    switch (dtype) {
    case EMBER_DTYPE_INT8: return ((const int8_t *)x)[i];
    case EMBER_DTYPE_INT32: return ((const int32_t *)x)[i];
    case EMBER_DTYPE_INT64: return ((const int64_t *)x)[i];
    case EMBER_DTYPE_BOOL: return ((const uint8_t *)x)[i] != 0;
    default: return ((const uint8_t *)x)[i];
    }
}

/* Element i of y = v in y's dtype: integers keep the low bits, FLOAT32 rounds, BOOL is v != 0. */
static void store_int(void *y, uint8_t dtype, int64_t i, uint64_t v) {
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: ((float *)y)[i] = (float)(int64_t)v; break;
    case EMBER_DTYPE_INT8: ((int8_t *)y)[i] = (int8_t)(uint8_t)v; break;
    case EMBER_DTYPE_INT32: ((int32_t *)y)[i] = (int32_t)(uint32_t)v; break;
    case EMBER_DTYPE_INT64: ((int64_t *)y)[i] = (int64_t)v; break;
    case EMBER_DTYPE_BOOL: ((uint8_t *)y)[i] = (uint8_t)(v != 0); break;
    default: ((uint8_t *)y)[i] = (uint8_t)v; break;
    }
}

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

/* x: x's shape, integer or BOOL; y: (outer), any dtype. */
static void reduce_sum_int(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        uint64_t sum = 0;
        for (int64_t r = 0; r < s->count; r++) {
            sum += (uint64_t)load_int(x, xt, off);
            off += ember_odometer(ir, s->red, s->red_stride, s->n_red);
        }
        store_int(y, yt, o, sum);
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    uint8_t xt = a->in[0]->dtype, yt = a->out->dtype;
    if (xt == EMBER_DTYPE_FLOAT32 && yt != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "a FLOAT32 input needs a FLOAT32 output (dtype %d)", (int)yt);
    return ember_reduce_check(a->in[0], a->out, &a->p->reduce, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    ember_reduce_shape s;
    (void)err;
    ember_reduce_split(x, &a->p->reduce, &s);
    if (x->dtype == EMBER_DTYPE_FLOAT32)
        reduce_sum_f32((const float *)x->data, (float *)y->data, &s);
    else
        reduce_sum_int(x->data, x->dtype, y->data, y->dtype, &s);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_sum = {"REDUCE_SUM", check, eval};
