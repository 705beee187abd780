/* SCATTER_ND: out = data, then for each index tuple t = indices[p] (p in row-major order,
 * k = indices.shape[-1] components, 1 <= k <= rank(data)) the slice out[t] = reduce(out[t],
 * updates[p]) (ONNX ScatterND, torch index_put). data, updates and out of one dtype; indices
 * INT32 or INT64; updates.shape = indices.shape[:-1] + data.shape[k:]. Reductions as
 * SCATTER_ELEMENTS (NONE: a later tuple wins). A component c counts from the end when
 * negative; one outside [-n, n) (n = data.shape[c]) fails the run before anything is
 * written, naming it and its position. ScatterOptions.axis is not used.
 * data, out: (rows = d0 * ... * d{k-1}, slice = d{k} * ... * d{r-1}); indices: (m, k);
 * updates: (m, slice). */
#include "indexing.h"

/* The scatter after out = data: m index tuples of k components (data's first k sizes n,
 * strides st in elements), each reducing a slice of `slice` elements of dtype dt. Every
 * component was checked; a tuple that changed since (a hostile file may place out over
 * indices) is skipped, never followed. */
static void scatter_nd_kernel(void *out, const int64_t *n, const int64_t *st, int k, int64_t slice,
                              const void *indices, uint8_t itype, int64_t m, const void *updates, uint8_t dt,
                              int32_t red) {
    size_t es = ember_dtype_size((ember_dtype)dt);
    for (int64_t p = 0; p < m; p++) {
        int64_t off = 0;
        int ok = 1;
        for (int c = 0; c < k; c++) {
            int64_t v = index_at(indices, itype, p * k + c);
            ok = ok && v >= -n[c] && v < n[c];
            off += (v < 0 ? v + n[c] : v) * st[c];
        }
        if (!ok) continue;
        if (red == EMBER_REDUCTION_NONE)
            memmove((char *)out + (size_t)off * es, (const char *)updates + (size_t)(p * slice) * es,
                    (size_t)slice * es);
        else
            for (int64_t e = 0; e < slice; e++) scatter_combine(out, off + e, updates, p * slice + e, dt, red);
    }
}

static ember_status check_shapes(const ember_tensor *x, const ember_tensor *ix, const ember_tensor *up,
                                 const ember_tensor *y, ember_error *err) {
    char xs[96], is[96], us[96];
    int64_t k = ix->rank >= 1 ? ix->shape[ix->rank - 1] : 0;
    int ok;
    if (ix->rank < 1 || k < 1 || k > x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "indices %s need a last dimension in [1, %d] (data %s)",
                          ember_shape_str(ix, is, sizeof is), (int)x->rank, ember_shape_str(x, xs, sizeof xs));
    ok = up->rank == ix->rank - 1 + x->rank - (int)k;
    for (int d = 0; ok && d < up->rank; d++)
        ok = up->shape[d] == (d < ix->rank - 1 ? ix->shape[d] : x->shape[d - (ix->rank - 1) + k]);
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "updates %s must be indices[:-1] + data[%d:] (indices %s, data %s)",
                          ember_shape_str(up, us, sizeof us), (int)k, ember_shape_str(ix, is, sizeof is),
                          ember_shape_str(x, xs, sizeof xs));
    if (!ember_same_shape(x, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "output %s must have the data's shape %s",
                          ember_shape_str(y, us, sizeof us), ember_shape_str(x, xs, sizeof xs));
    return EMBER_OK;
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1], *up = a->in[2], *y = a->out;
    ember_status st = ember_scatter_check(a, err);
    if (st != EMBER_OK) return st;
    return check_shapes(x, ix, up, y, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1], *y = a->out;
    int k = (int)ix->shape[ix->rank - 1];
    int64_t st[EMBER_MAX_RANK], slice = 1;
    char ps[96];
    if (y->count == 0) return EMBER_OK;
    for (int64_t j = 0; j < ix->count; j++) {
        int64_t v = index_at(ix->data, ix->dtype, j), n = x->shape[j % k];
        if (v < -n || v >= n)
            return ember_fail(err, EMBER_ERR_EXECUTION,
                              "index %lld out of range [-%lld, %lld) for data dimension %d at indices%s", (long long)v,
                              (long long)n, (long long)n, (int)(j % k),
                              position_str(ix->shape, ix->rank, j, ps, sizeof ps));
    }
    if (y->data != x->data) memmove(y->data, x->data, (size_t)x->count * ember_dtype_size((ember_dtype)x->dtype));
    for (int d = k; d < x->rank; d++) slice *= x->shape[d];
    st[k - 1] = slice;
    for (int d = k - 1; d > 0; d--) st[d - 1] = st[d] * x->shape[d];
    scatter_nd_kernel(y->data, x->shape, st, k, slice, ix->data, ix->dtype, ix->count / k, a->in[2]->data, x->dtype,
                      a->p->scatter.reduction);
    return EMBER_OK;
}

const ember_op_impl ember_op_scatter_nd = {"SCATTER_ND", check, eval, NULL};
