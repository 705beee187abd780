/* WHERE: out = condition ? a : b, elementwise with numpy broadcasting of all three.
 * condition is BOOL (any nonzero byte is true); a, b and out share one dtype (any);
 * out's shape is the broadcast of the three input shapes. */
#include "op.h"

/* One row: y[i] = c[i * dc] ? a[i * da] : b[i * db] for i in [0, n); steps are 0 or 1. */
#define WHERE_ROW(NAME, T)                                                                          \
    static void NAME(const uint8_t *c, const T *a, const T *b, T *y, int64_t n, int64_t dc,         \
                     int64_t da, int64_t db) {                                                      \
        for (int64_t i = 0; i < n; i++) y[i] = c[i * dc] ? a[i * da] : b[i * db];                   \
    }
WHERE_ROW(where_f32, float)
WHERE_ROW(where_i8, int8_t)
WHERE_ROW(where_u8, uint8_t)
WHERE_ROW(where_i32, int32_t)
WHERE_ROW(where_i64, int64_t)

typedef struct where_ctx { const uint8_t *c; const void *a, *b; void *y; uint8_t dtype; } where_ctx;

/* The iterator's operands are (condition, a, b), in that order. */
static void where_row(void *ctx, int64_t o, int64_t ic, int64_t ia, int64_t ib, int64_t n, int64_t dc, int64_t da,
                      int64_t db) {
    const where_ctx *w = (const where_ctx *)ctx;
#define ROW(T, FN) FN(w->c + ic, (const T *)w->a + ia, (const T *)w->b + ib, (T *)w->y + o, n, dc, da, db)
    switch (w->dtype) {
    case EMBER_DTYPE_FLOAT32: ROW(float, where_f32); break;
    case EMBER_DTYPE_INT8: ROW(int8_t, where_i8); break;
    case EMBER_DTYPE_BOOL:
    case EMBER_DTYPE_UINT8: ROW(uint8_t, where_u8); break;
    case EMBER_DTYPE_INT32: ROW(int32_t, where_i32); break;
    case EMBER_DTYPE_INT64: ROW(int64_t, where_i64); break;
    default: break;   /* refused by check */
    }
#undef ROW
}

/* 1 when out's shape is the numpy broadcast of the shapes of t[0..2]. */
static int broadcast3(const ember_tensor *const t[3], const ember_tensor *out) {
    int rank = 0;
    for (int k = 0; k < 3; k++)
        if (t[k]->rank > rank) rank = t[k]->rank;
    if (out->rank != rank) return 0;
    for (int d = 0; d < rank; d++) {
        int64_t size = 1;
        for (int k = 0; k < 3; k++) {
            int dk = d - (rank - t[k]->rank);
            int64_t s = dk >= 0 ? t[k]->shape[dk] : 1;
            if (s == 1) continue;
            if (size != 1 && s != size) return 0;
            size = s;
        }
        if (out->shape[d] != size) return 0;
    }
    return 1;
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *t[3] = {a->in[0], a->in[1], a->in[2]}, *out = a->out;
    char cs[48], xs[48], ys[48], os[48];
    if (t[0]->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "condition has dtype %d, expected BOOL", (int)t[0]->dtype);
    if (t[1]->dtype != out->dtype || t[2]->dtype != out->dtype || out->dtype > EMBER_DTYPE_UINT8)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: a, b and the output must share a dtype",
                          (int)t[1]->dtype, (int)t[2]->dtype, (int)out->dtype);
    if (!broadcast3(t, out))
        return ember_fail(err, EMBER_ERR_VERIFY, "condition %s, a %s and b %s do not broadcast to the output %s",
                          ember_shape_str(t[0], cs, sizeof cs), ember_shape_str(t[1], xs, sizeof xs),
                          ember_shape_str(t[2], ys, sizeof ys), ember_shape_str(out, os, sizeof os));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    where_ctx w = {(const uint8_t *)a->in[0]->data, a->in[1]->data, a->in[2]->data, a->out->data, a->out->dtype};
    ember_bcast_iter it;
    (void)err;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], a->in[2]);
    ember_bcast_rows_threads(&it, where_row, &w, a->threads);
    return EMBER_OK;
}

const ember_op_impl ember_op_where = {"WHERE", check, eval, NULL};
