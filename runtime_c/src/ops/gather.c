/* GATHER: out = take(data, indices, axis); data of any dtype (out shares it), indices
 * INT32 or INT64. out.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:].
 * An index in [-n, 0) counts from the end; one outside [-n, n) fails the run (every index
 * is checked before anything is written; the first bad one in row-major order is named).
 * data: (outer, n, inner); indices: (m) flattened; out: (outer, m, inner). */
#include "indexing.h"

/* The position of the first index outside [-n, n), or -1 when all are inside. */
static int64_t gather_find_bad(const void *indices, uint8_t dtype, int64_t m, int64_t n) {
    for (int64_t j = 0; j < m; j++) {
        int64_t k = index_at(indices, dtype, j);
        if (k < -n || k >= n) return j;
    }
    return -1;
}

/* `row` bytes per (outer, index) pair; every index already inside [-n, n). */
static void gather_bytes(const void *data, const void *indices, uint8_t dtype, void *y, int64_t outer, int64_t n,
                         int64_t m, int64_t row) {
    for (int64_t o = 0; o < outer; o++) {
        const char *xo = (const char *)data + o * n * row;   /* (n, row bytes) */
        char *yo = (char *)y + o * m * row;                  /* (m, row bytes) */
        for (int64_t j = 0; j < m; j++) {
            int64_t k = index_at(indices, dtype, j);
            /* checked before, but a hostile file may place the output over the
             * indices, so an index can change while we copy: re-check, skip */
            if (k < -n || k >= n) continue;
            if (k < 0) k += n;
            memmove(yo + j * row, xo + k * row, (size_t)row);
        }
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1], *y = a->out;
    int axis = a->p->axis.axis;
    char xs[96], is[96], ys[96];
    if (ix->dtype != EMBER_DTYPE_INT32 && ix->dtype != EMBER_DTYPE_INT64)
        return ember_fail(err, EMBER_ERR_VERIFY, "indices must be INT64 or INT32, not dtype %d", (int)ix->dtype);
    if (x->dtype != y->dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "data dtype %d, output dtype %d: must agree", (int)x->dtype,
                          (int)y->dtype);
    if (axis < 0 || axis >= x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", axis, (int)x->rank);
    int ok = y->rank == x->rank - 1 + ix->rank;
    for (int d = 0; ok && d < y->rank; d++) {
        int64_t want = d < axis ? x->shape[d] : d < axis + ix->rank ? ix->shape[d - axis]
                                                                    : x->shape[d - ix->rank + 1];
        ok = y->shape[d] == want;
    }
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "data %s, indices %s on axis %d do not give output %s",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(ix, is, sizeof is), axis,
                          ember_shape_str(y, ys, sizeof ys));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1];
    int axis = a->p->axis.axis;
    int64_t outer = 1, n = x->shape[axis], row = (int64_t)ember_dtype_size((ember_dtype)x->dtype);
    for (int d = 0; d < axis; d++) outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++) row *= x->shape[d];
    int64_t bad = gather_find_bad(ix->data, ix->dtype, ix->count, n);
    if (bad >= 0)
        return ember_fail(err, EMBER_ERR_EXECUTION, "gather index %lld out of range [-%lld, %lld) on axis %d",
                          (long long)index_at(ix->data, ix->dtype, bad), (long long)n, (long long)n, axis);
    gather_bytes(x->data, ix->data, ix->dtype, a->out->data, outer, n, ix->count, row);
    return EMBER_OK;
}

const ember_op_impl ember_op_gather = {"GATHER", check, eval, NULL};
