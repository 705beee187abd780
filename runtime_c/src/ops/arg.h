/* ARG_MAX and ARG_MIN share this walker (reference: runtime_py/kernels/arg_max.py).
 * x (FLOAT32 or an integer dtype) seen as (outer, n, inner) around `axis`; out (outer,
 * inner), INT64 or INT32, holds per row the index of its winner: the largest element
 * (sign +1) or the smallest (sign -1); among equal ones the first, or the last with
 * select_last_index. A NaN beats every number and ties with another NaN, so the first
 * NaN wins (the last with select_last_index), as numpy's and torch's argmax and argmin.
 * The axis is never empty (the check refuses it). */
#ifndef EMBER_ARG_H
#define EMBER_ARG_H

#include "op.h"

/* Element v replaces the winner so far m. */
static inline int arg_wins_f32(float v, float m, int sign, int last) {
    if (m != m) return last && v != v;
    if (v != v) return 1;
    return sign * ((v > m) - (v < m)) > 0 || (last && v == m);
}
#define ARG_WINS_INT(v, m, sign, last) ((sign) * (((v) > (m)) - ((v) < (m))) > 0 || ((last) && (v) == (m)))

/* x: (outer, n, inner); y: (outer, inner) of dtype yt; one row at a time along n. */
#define ARG_ROWS(NAME, T, WINS)                                                        \
    static void NAME(const T *x, void *y, uint8_t yt, ember_axis_rows r, int sign, int last) { \
        for (int64_t o = 0; o < r.outer; o++)                                          \
            for (int64_t i = 0; i < r.inner; i++) {                                    \
                const T *row = x + o * r.len * r.inner + i;   /* (n) at stride inner */ \
                T m = row[0];                                                          \
                int64_t best = 0;                                                      \
                for (int64_t j = 1; j < r.len; j++) {                                  \
                    T v = row[j * r.inner];                                            \
                    if (WINS(v, m, sign, last)) m = v, best = j;                       \
                }                                                                      \
                ember_store_int(y, yt, o * r.inner + i, (uint64_t)best);               \
            }                                                                          \
    }
ARG_ROWS(arg_rows_f32, float, arg_wins_f32)
ARG_ROWS(arg_rows_i8, int8_t, ARG_WINS_INT)
ARG_ROWS(arg_rows_u8, uint8_t, ARG_WINS_INT)
ARG_ROWS(arg_rows_i32, int32_t, ARG_WINS_INT)
ARG_ROWS(arg_rows_i64, int64_t, ARG_WINS_INT)

/* ARG_MAX, ARG_MIN and TOPK: x FLOAT32 or an integer dtype, out INDICES INT64 or INT32, the
 * axis inside x's rank. */
static inline ember_status ember_ranking_check(const ember_tensor *x, const ember_tensor *y, int axis,
                                               ember_error *err) {
    if (x->dtype != EMBER_DTYPE_FLOAT32 && x->dtype != EMBER_DTYPE_INT8 && x->dtype != EMBER_DTYPE_UINT8 &&
        x->dtype != EMBER_DTYPE_INT32 && x->dtype != EMBER_DTYPE_INT64)
        return ember_fail(err, EMBER_ERR_VERIFY, "input must be FLOAT32 or an integer dtype, not dtype %d",
                          (int)x->dtype);
    if (y->dtype != EMBER_DTYPE_INT64 && y->dtype != EMBER_DTYPE_INT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "output must be INT64 or INT32, not dtype %d", (int)y->dtype);
    if (axis < 0 || axis >= x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", axis, (int)x->rank);
    return EMBER_OK;
}

/* x FLOAT32 or an integer dtype; out INT64 or INT32 of x's shape without the axis (or
 * with it as 1 under keep_dims); the axis inside x's rank and not empty. */
static inline ember_status ember_arg_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_arg_params *p = &a->p->arg;
    char xs[96], ys[96];
    ember_status st = ember_ranking_check(x, y, p->axis, err);
    if (st != EMBER_OK) return st;
    if (x->shape[p->axis] == 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d of input %s is empty: no element to pick", (int)p->axis,
                          ember_shape_str(x, xs, sizeof xs));
    int ok = y->rank == (p->keep_dims ? x->rank : x->rank - 1);
    for (int d = 0, k = 0; ok && d < x->rank; d++) {
        if (d != p->axis) ok = y->shape[k++] == x->shape[d];
        else if (p->keep_dims) ok = y->shape[k++] == 1;
    }
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s reduced on axis %d (keep_dims %d) is not output %s",
                          ember_shape_str(x, xs, sizeof xs), (int)p->axis, (int)(p->keep_dims != 0),
                          ember_shape_str(y, ys, sizeof ys));
    return EMBER_OK;
}

/* The eval of ARG_MAX (sign +1) and ARG_MIN (sign -1). */
static inline void ember_arg_eval(const ember_op_args *a, int sign) {
    const ember_tensor *x = a->in[0];
    ember_axis_rows r = ember_axis_split(x, a->p->arg.axis);
    void *y = a->out->data;
    uint8_t yt = a->out->dtype;
    int last = a->p->arg.select_last_index != 0;
    switch (x->dtype) {
    case EMBER_DTYPE_FLOAT32: arg_rows_f32((const float *)x->data, y, yt, r, sign, last); break;
    case EMBER_DTYPE_INT8: arg_rows_i8((const int8_t *)x->data, y, yt, r, sign, last); break;
    case EMBER_DTYPE_INT32: arg_rows_i32((const int32_t *)x->data, y, yt, r, sign, last); break;
    case EMBER_DTYPE_INT64: arg_rows_i64((const int64_t *)x->data, y, yt, r, sign, last); break;
    default: arg_rows_u8((const uint8_t *)x->data, y, yt, r, sign, last); break;
    }
}

#endif /* EMBER_ARG_H */
