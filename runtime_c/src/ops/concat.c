/* CONCAT: inputs (1..64) joined along `axis`; any dtype, one for all operands; every
 * other dimension equal. Copies bytes, so it serves every dtype.
 * in[t]: (outer, n_t, inner); out: (outer, sum_t n_t, inner). */
#include "op.h"

/* outer rows; each input t contributes `bytes[t]` contiguous bytes per row. */
static void concat_bytes(const void *const *in, const int64_t *bytes, int n_in, void *y, int64_t outer) {
    char *yp = (char *)y;
    for (int64_t o = 0; o < outer; o++)
        for (int t = 0; t < n_in; t++) {
            memmove(yp, (const char *)in[t] + o * bytes[t], (size_t)bytes[t]);
            yp += bytes[t];
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *y = a->out;
    int axis = a->p->axis.axis;
    int64_t total = 0;
    char xs[96], ys[96];
    if (y->rank < 1 || axis < 0 || axis >= y->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", axis, (int)y->rank);
    for (int t = 0; t < a->n_in; t++) {
        const ember_tensor *x = a->in[t];
        int ok = x != NULL && x->dtype == y->dtype && x->rank == y->rank;
        for (int d = 0; ok && d < y->rank; d++) ok = d == axis || x->shape[d] == y->shape[d];
        if (!ok)
            return ember_fail(err, EMBER_ERR_VERIFY, "input %d %s (dtype %d) does not fit output %s (dtype %d) off axis %d",
                              t, x ? ember_shape_str(x, xs, sizeof xs) : "absent", x ? (int)x->dtype : -1,
                              ember_shape_str(y, ys, sizeof ys), (int)y->dtype, axis);
        total += x->shape[axis];
    }
    if (total != y->shape[axis])
        return ember_fail(err, EMBER_ERR_VERIFY, "inputs sum to %lld on axis %d, output has %lld", (long long)total,
                          axis, (long long)y->shape[axis]);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *y = a->out;
    const void *in[EMBER_MAX_OP_INPUTS];
    int64_t bytes[EMBER_MAX_OP_INPUTS], outer = 1, inner = (int64_t)ember_dtype_size((ember_dtype)y->dtype);
    int axis = a->p->axis.axis;
    (void)err;
    for (int d = 0; d < axis; d++) outer *= y->shape[d];
    for (int d = axis + 1; d < y->rank; d++) inner *= y->shape[d];
    for (int t = 0; t < a->n_in; t++) {
        in[t] = a->in[t]->data;
        bytes[t] = a->in[t]->shape[axis] * inner;
    }
    concat_bytes(in, bytes, a->n_in, y->data, outer);
    return EMBER_OK;
}

const ember_op_impl ember_op_concat = {"CONCAT", check, eval, NULL};
