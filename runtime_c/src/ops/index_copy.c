/* INDEX_COPY (schema 2.4): an in-place update of a state tensor. dst (input 0, and the
 * output: the same tensor) seen as (outer, d, inner) around `axis`; index (input 1) n
 * positions, 1-D INT64 or INT32; src (input 2) of dst's dtype and shape but n on the axis,
 * (outer, n, inner). For i < n in order: dst[o, index[i], :] = src[o, i, :] (a repeated
 * position keeps the last). Every position is checked before anything is written: one
 * outside [0, d) fails the run, naming it, and the state is left as it was. Any dtype:
 * rows are copied as bytes. */
#include "indexing.h"

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *dst = a->in[0], *ix = a->in[1], *src = a->in[2], *out = a->out;
    int axis = a->p->axis.axis;
    char ds[96], ss[96];
    if (dst == NULL || ix == NULL || src == NULL || out != dst)
        return ember_fail(err, EMBER_ERR_VERIFY, "the output must be input 0 (the state tensor, updated in place)");
    if (axis < 0 || axis >= dst->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", axis, (int)dst->rank);
    if ((ix->dtype != EMBER_DTYPE_INT32 && ix->dtype != EMBER_DTYPE_INT64) || ix->rank != 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "the positions must be a 1-D INT64 or INT32 tensor (dtype %d, "
                          "rank %d)", (int)ix->dtype, (int)ix->rank);
    if (src->dtype != dst->dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "source dtype %d, state dtype %d: must agree", (int)src->dtype,
                          (int)dst->dtype);
    int ok = src->rank == dst->rank;
    for (int d = 0; ok && d < dst->rank; d++) ok = src->shape[d] == (d == axis ? ix->shape[0] : dst->shape[d]);
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "source %s must be the state's %s with %lld positions on axis %d",
                          ember_shape_str(src, ss, sizeof ss), ember_shape_str(dst, ds, sizeof ds),
                          (long long)ix->shape[0], axis);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *dst = a->in[0], *ix = a->in[1], *src = a->in[2];
    int axis = a->p->axis.axis;
    int64_t outer = 1, d = dst->shape[axis], n = ix->count, row = (int64_t)ember_dtype_size((ember_dtype)dst->dtype);
    for (int k = 0; k < axis; k++) outer *= dst->shape[k];
    for (int k = axis + 1; k < dst->rank; k++) row *= dst->shape[k];
    for (int64_t i = 0; i < n; i++) {   /* every position first: nothing is written on an error */
        int64_t p = index_at(ix->data, ix->dtype, i);
        if (p < 0 || p >= d)
            return ember_fail(err, EMBER_ERR_EXECUTION, "position %lld outside [0, %lld) on axis %d of the state "
                              "(nothing written)", (long long)p, (long long)d, axis);
    }
    if (row == 0 || outer == 0) return EMBER_OK;
    for (int64_t o = 0; o < outer; o++) {
        char *to = (char *)dst->data + o * d * row;                 /* (d, row bytes) */
        const char *from = (const char *)src->data + o * n * row;   /* (n, row bytes) */
        for (int64_t i = 0; i < n; i++) {
            int64_t p = index_at(ix->data, ix->dtype, i);
            /* checked above; but a hostile file may make the positions the state itself
             * (or a caller may bind them inside it), so a position can change while we
             * copy: checked again, never written outside */
            if (p < 0 || p >= d) continue;
            memmove(to + p * row, from + i * row, (size_t)row);
        }
    }
    return EMBER_OK;
}

const ember_op_impl ember_op_index_copy = {"INDEX_COPY", check, eval, NULL};
