/* REDUCE_MAX over `axes` (distinct; none means no reduction); keep_dims keeps them as
 * size 1. Any dtype; x and out share it. A NaN wins, as numpy's max; BOOL is "any".
 * A maximum over no elements has no value: check refuses it (numpy raises).
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

/* x: x's shape; y: (outer), in the order of x's kept dimensions; s->count >= 1. */
#define REDUCE_MAX(NAME, T, BETTER)                                           \
    static void NAME(const T *x, T *y, const ember_reduce_shape *s) {              \
        int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;                          \
        for (int64_t o = 0; o < s->outer; o++) {                             \
            int64_t ir[EMBER_MAX_RANK] = {0}, off = base;                    \
            T m = x[off];                                                    \
            for (int64_t r = 0; r < s->count; r++) {                         \
                T v = x[off];                                                \
                if (BETTER) m = v;                                           \
                off += ember_odometer(ir, s->red, s->red_stride, s->n_red);        \
            }                                                                \
            y[o] = m;                                                        \
            base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);        \
        }                                                                    \
    }
REDUCE_MAX(reduce_max_f32, float, v > m || v != v)
REDUCE_MAX(reduce_max_i8, int8_t, v > m)
REDUCE_MAX(reduce_max_u8, uint8_t, v > m)
REDUCE_MAX(reduce_max_i32, int32_t, v > m)
REDUCE_MAX(reduce_max_i64, int64_t, v > m)

/* BOOL: 1 when any element is nonzero. x: x's shape; y: (outer). */
static void reduce_max_bool(const uint8_t *x, uint8_t *y, const ember_reduce_shape *s) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        uint8_t m = 0;
        for (int64_t r = 0; r < s->count && !m; r++) {
            m = x[off] != 0;
            off += ember_odometer(ir, s->red, s->red_stride, s->n_red);
        }
        y[o] = m;
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    ember_reduce_shape s;
    if (x->dtype != y->dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "input dtype %d, output dtype %d: must agree", (int)x->dtype,
                          (int)y->dtype);
    ember_status st = ember_reduce_check(x, y, &a->p->reduce, err);
    if (st != EMBER_OK) return st;
    ember_reduce_split(x, &a->p->reduce, &s);
    if (s.count == 0 && y->count > 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "maximum over an empty axis: the reduction has no identity");
    return EMBER_OK;
}

/* The typed kernel for x's dtype (ember_reduce_fn; the check makes y's the same). */
static void reduce_max(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s) {
    (void)yt;
    switch (xt) {
    case EMBER_DTYPE_FLOAT32: reduce_max_f32((const float *)x, (float *)y, s); break;
    case EMBER_DTYPE_INT8: reduce_max_i8((const int8_t *)x, (int8_t *)y, s); break;
    case EMBER_DTYPE_INT32: reduce_max_i32((const int32_t *)x, (int32_t *)y, s); break;
    case EMBER_DTYPE_INT64: reduce_max_i64((const int64_t *)x, (int64_t *)y, s); break;
    case EMBER_DTYPE_BOOL: reduce_max_bool((const uint8_t *)x, (uint8_t *)y, s); break;
    default: reduce_max_u8((const uint8_t *)x, (uint8_t *)y, s); break;
    }
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    if (a->out->count == 0) return EMBER_OK;   /* no element to read a first maximum from */
    ember_reduce_eval(a, reduce_max);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_max = {"REDUCE_MAX", check, eval, NULL};
