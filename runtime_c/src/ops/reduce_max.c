/* REDUCE_MAX over `axes` (distinct; none means no reduction); keep_dims keeps them as
 * size 1. Any dtype; x and out share it. A NaN wins, as numpy's max; BOOL is "any".
 * A maximum over no elements has no value: check refuses it (numpy raises).
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

/* x seen as its kept dimensions (in order: the output's) and its reduced ones, each
 * with x's strides in elements. */
typedef struct reduce_shape {
    int n_keep, n_red;
    int64_t keep[EMBER_MAX_RANK], keep_stride[EMBER_MAX_RANK];
    int64_t red[EMBER_MAX_RANK], red_stride[EMBER_MAX_RANK];
    int64_t outer, count;   /* output elements; input elements reduced into each */
} reduce_shape;

/* Advances the row-major index idx over dims; returns the change of the offset. */
static int64_t odometer(int64_t *idx, const int64_t *dims, const int64_t *strides, int n) {
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

static void reduce_split(const ember_tensor *x, const ember_reduce_params *p, reduce_shape *s) {
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
static ember_status reduce_check(const ember_tensor *x, const ember_tensor *y, const ember_reduce_params *p,
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

/* x: x's shape; y: (outer), in the order of x's kept dimensions; s->count >= 1. */
#define REDUCE_MAX(NAME, T, BETTER)                                           \
    static void NAME(const T *x, T *y, const reduce_shape *s) {              \
        int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;                          \
        for (int64_t o = 0; o < s->outer; o++) {                             \
            int64_t ir[EMBER_MAX_RANK] = {0}, off = base;                    \
            T m = x[off];                                                    \
            for (int64_t r = 0; r < s->count; r++) {                         \
                T v = x[off];                                                \
                if (BETTER) m = v;                                           \
                off += odometer(ir, s->red, s->red_stride, s->n_red);        \
            }                                                                \
            y[o] = m;                                                        \
            base += odometer(ik, s->keep, s->keep_stride, s->n_keep);        \
        }                                                                    \
    }
REDUCE_MAX(reduce_max_f32, float, v > m || v != v)
REDUCE_MAX(reduce_max_i8, int8_t, v > m)
REDUCE_MAX(reduce_max_u8, uint8_t, v > m)
REDUCE_MAX(reduce_max_i32, int32_t, v > m)
REDUCE_MAX(reduce_max_i64, int64_t, v > m)

/* BOOL: 1 when any element is nonzero. x: x's shape; y: (outer). */
static void reduce_max_bool(const uint8_t *x, uint8_t *y, const reduce_shape *s) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        uint8_t m = 0;
        for (int64_t r = 0; r < s->count && !m; r++) {
            m = x[off] != 0;
            off += odometer(ir, s->red, s->red_stride, s->n_red);
        }
        y[o] = m;
        base += odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    reduce_shape s;
    if (x->dtype != y->dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "input dtype %d, output dtype %d: must agree", (int)x->dtype,
                          (int)y->dtype);
    ember_status st = reduce_check(x, y, &a->p->reduce, err);
    if (st != EMBER_OK) return st;
    reduce_split(x, &a->p->reduce, &s);
    if (s.count == 0 && y->count > 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "maximum over an empty axis: the reduction has no identity");
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0];
    void *y = a->out->data;
    reduce_shape s;
    (void)err;
    reduce_split(x, &a->p->reduce, &s);
    if (a->out->count == 0) return EMBER_OK;
    switch (x->dtype) {
    case EMBER_DTYPE_FLOAT32: reduce_max_f32((const float *)x->data, (float *)y, &s); break;
    case EMBER_DTYPE_INT8: reduce_max_i8((const int8_t *)x->data, (int8_t *)y, &s); break;
    case EMBER_DTYPE_INT32: reduce_max_i32((const int32_t *)x->data, (int32_t *)y, &s); break;
    case EMBER_DTYPE_INT64: reduce_max_i64((const int64_t *)x->data, (int64_t *)y, &s); break;
    case EMBER_DTYPE_BOOL: reduce_max_bool((const uint8_t *)x->data, (uint8_t *)y, &s); break;
    default: reduce_max_u8((const uint8_t *)x->data, (uint8_t *)y, &s); break;
    }
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_max = {"REDUCE_MAX", check, eval};
