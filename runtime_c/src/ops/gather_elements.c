/* GATHER_ELEMENTS: out[i] = data[i with i[axis] replaced by indices[i]] (torch.gather, ONNX
 * GatherElements). data of any dtype (out shares it) and rank >= 1; indices INT32 or INT64
 * of data's rank, each dimension but axis at most data's; out of indices' shape. An index
 * in [-n, 0) counts from the end (n = data.shape[axis]); one outside [-n, n) fails the run
 * before anything is written, naming the first bad one (row-major) and its position.
 * data: (d0, ..., d{r-1}) row-major; indices, out: (i0, ..., i{r-1}) row-major. */
#include "indexing.h"

/* Elements of `es` bytes: out[i] = data[...] for every position i of indices (shape ix,
 * rank r), walked in row-major order with data's offset (strides st, in elements; n and
 * stride on axis). Every index was checked; one that changed since (a hostile file may
 * place out over indices) is skipped, never followed. */
static void gather_elements_bytes(const char *data, const int64_t *st, int64_t n, int axis, const void *indices,
                                  uint8_t itype, const int64_t *ix, int r, char *out, size_t es) {
    int64_t pos[EMBER_MAX_RANK] = {0}, walk[EMBER_MAX_RANK], count = 1, off = 0;
    for (int d = 0; d < r; d++) {
        walk[d] = d == axis ? 0 : st[d];
        count *= ix[d];
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t k = index_at(indices, itype, i);
        if (k >= -n && k < n)
            memmove(out + (size_t)i * es, data + (size_t)(off + (k < 0 ? k + n : k) * st[axis]) * es, es);
        off += ember_odometer(pos, ix, walk, r);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1], *y = a->out;
    int axis = a->p->axis.axis;
    char is[96], ys[96];
    if (x->dtype != y->dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "data dtype %d, output dtype %d: must agree", (int)x->dtype,
                          (int)y->dtype);
    ember_status st = ember_elements_check(x, ix, axis, err);
    if (st != EMBER_OK) return st;
    if (!ember_same_shape(ix, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "output %s must have the indices' shape %s",
                          ember_shape_str(y, ys, sizeof ys), ember_shape_str(ix, is, sizeof is));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1];
    int axis = a->p->axis.axis;
    int64_t n = x->shape[axis], st[EMBER_MAX_RANK];
    char ps[96];
    if (a->out->count == 0) return EMBER_OK;
    st[x->rank - 1] = 1;
    for (int d = x->rank - 1; d > 0; d--) st[d - 1] = st[d] * x->shape[d];
    for (int64_t j = 0; j < ix->count; j++) {
        int64_t k = index_at(ix->data, ix->dtype, j);
        if (k < -n || k >= n)
            return ember_fail(err, EMBER_ERR_EXECUTION, "index %lld out of range [-%lld, %lld) on axis %d at indices%s",
                              (long long)k, (long long)n, (long long)n, axis,
                              position_str(ix->shape, ix->rank, j, ps, sizeof ps));
    }
    gather_elements_bytes((const char *)x->data, st, n, axis, ix->data, ix->dtype, ix->shape, ix->rank,
                          (char *)a->out->data, ember_dtype_size((ember_dtype)x->dtype));
    return EMBER_OK;
}

const ember_op_impl ember_op_gather_elements = {"GATHER_ELEMENTS", check, eval, NULL};
