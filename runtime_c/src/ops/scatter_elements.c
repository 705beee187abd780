/* SCATTER_ELEMENTS: out = data, then for every position i of indices in row-major order
 * out[j] = reduce(out[j], updates[i]), j = i but j[axis] = indices[i] (torch.scatter,
 * scatter_add, scatter_reduce; ONNX ScatterElements). data, updates and out of one dtype;
 * indices INT32 or INT64 of updates' shape and data's rank (>= 1), each dimension but axis
 * at most data's. Reductions (ScatterOptions): NONE assigns (a later position wins), ADD,
 * MUL, MAX, MIN combine one update at a time in that order: FLOAT32 in float32 (MAX and
 * MIN pass NaN on, as numpy's maximum), integers in int64 keeping the low bits (wrap), BOOL
 * as numpy (ADD and MAX are or, MUL and MIN and). Indices as GATHER_ELEMENTS: one outside
 * [-n, n) fails the run before anything is written, naming it and its position.
 * data, out: (d0, ..., d{r-1}); indices, updates: (i0, ..., i{r-1}); row-major. */
#include "indexing.h"

/* The scatter after out = data: indices and updates of shape ix (rank r) walked in
 * row-major order, out's offset by its strides st (elements; n and stride on axis). Every
 * index was checked; one that changed since (a hostile file may place out over indices)
 * is skipped, never followed. */
static void scatter_elements_kernel(void *out, const int64_t *st, int64_t n, int axis, const void *indices,
                                    uint8_t itype, const int64_t *ix, int r, const void *updates, uint8_t dt,
                                    int32_t red) {
    int64_t pos[EMBER_MAX_RANK] = {0}, walk[EMBER_MAX_RANK], count = 1, off = 0;
    for (int d = 0; d < r; d++) {
        walk[d] = d == axis ? 0 : st[d];
        count *= ix[d];
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t k = index_at(indices, itype, i);
        if (k >= -n && k < n) scatter_combine(out, off + (k < 0 ? k + n : k) * st[axis], updates, i, dt, red);
        off += ember_odometer(pos, ix, walk, r);
    }
}

static ember_status check_shapes(const ember_tensor *x, const ember_tensor *ix, const ember_tensor *up,
                                 const ember_tensor *y, int axis, ember_error *err) {
    char xs[96], is[96], us[96];
    ember_status st = ember_elements_check(x, ix, axis, err);
    if (st != EMBER_OK) return st;
    if (!ember_same_shape(ix, up))
        return ember_fail(err, EMBER_ERR_VERIFY, "updates %s and indices %s differ in shape",
                          ember_shape_str(up, us, sizeof us), ember_shape_str(ix, is, sizeof is));
    if (!ember_same_shape(x, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "output %s must have the data's shape %s",
                          ember_shape_str(y, us, sizeof us), ember_shape_str(x, xs, sizeof xs));
    return EMBER_OK;
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1], *up = a->in[2], *y = a->out;
    ember_status st = ember_scatter_check(a, err);
    if (st != EMBER_OK) return st;
    return check_shapes(x, ix, up, y, a->p->scatter.axis, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1], *y = a->out;
    int axis = a->p->scatter.axis;
    int64_t n = x->shape[axis], st[EMBER_MAX_RANK];
    char ps[96];
    if (y->count == 0) return EMBER_OK;
    for (int64_t j = 0; j < ix->count; j++) {
        int64_t k = index_at(ix->data, ix->dtype, j);
        if (k < -n || k >= n)
            return ember_fail(err, EMBER_ERR_EXECUTION, "index %lld out of range [-%lld, %lld) on axis %d at indices%s",
                              (long long)k, (long long)n, (long long)n, axis,
                              position_str(ix->shape, ix->rank, j, ps, sizeof ps));
    }
    if (y->data != x->data) memmove(y->data, x->data, (size_t)x->count * ember_dtype_size((ember_dtype)x->dtype));
    st[x->rank - 1] = 1;
    for (int d = x->rank - 1; d > 0; d--) st[d - 1] = st[d] * x->shape[d];
    scatter_elements_kernel(y->data, st, n, axis, ix->data, ix->dtype, ix->shape, ix->rank, a->in[2]->data, x->dtype,
                            a->p->scatter.reduction);
    return EMBER_OK;
}

const ember_op_impl ember_op_scatter_elements = {"SCATTER_ELEMENTS", check, eval, NULL};
