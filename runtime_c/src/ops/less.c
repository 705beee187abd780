/* LESS: out = (a < b) -> BOOL, numpy broadcasting. a and b share one dtype (FLOAT32,
 * INT8, INT32, INT64, BOOL or UINT8); out is BOOL (one byte, 0 or 1) of the broadcast shape.
 * Floats compare as IEEE values (false when either is NaN); BOOL inputs as truth values
 * (any nonzero byte is true, false < true). */
#include "op.h"

/* One row: y[i] = a[i * da] < b[i * db] for i in [0, n); da, db are 0 or 1. */
#define LESS_ROW(NAME, T)                                                                             \
    static void NAME(const T *a, const T *b, uint8_t *y, int64_t n, int64_t da, int64_t db) {         \
        for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)(a[i * da] < b[i * db]);                      \
    }
LESS_ROW(less_f32, float)
LESS_ROW(less_i8, int8_t)
LESS_ROW(less_u8, uint8_t)
LESS_ROW(less_i32, int32_t)
LESS_ROW(less_i64, int64_t)

static void less_bool(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db) {
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)((a[i * da] != 0) < (b[i * db] != 0));
}

typedef struct less_ctx { const void *a, *b; uint8_t *y; uint8_t dtype; } less_ctx;

static void less_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da,
                     int64_t db, int64_t dc) {
    const less_ctx *c = (const less_ctx *)ctx;
    (void)ic;
    (void)dc;
#define ROW(T, FN) FN((const T *)c->a + ia, (const T *)c->b + ib, c->y + o, n, da, db)
    switch (c->dtype) {
    case EMBER_DTYPE_FLOAT32: ROW(float, less_f32); break;
    case EMBER_DTYPE_INT8: ROW(int8_t, less_i8); break;
    case EMBER_DTYPE_UINT8: ROW(uint8_t, less_u8); break;
    case EMBER_DTYPE_INT32: ROW(int32_t, less_i32); break;
    case EMBER_DTYPE_INT64: ROW(int64_t, less_i64); break;
    case EMBER_DTYPE_BOOL: ROW(uint8_t, less_bool); break;
    default: break;   /* refused by check */
    }
#undef ROW
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    char xs[64], ys[64], os[64];
    if (x->dtype != y->dtype || x->dtype > EMBER_DTYPE_UINT8 || out->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs must share a dtype, output must be BOOL",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    if (!ember_broadcast_result(x, y, out))
        return ember_fail(err, EMBER_ERR_VERIFY, "inputs %s and %s do not broadcast to the output %s",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(y, ys, sizeof ys),
                          ember_shape_str(out, os, sizeof os));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    less_ctx c = {a->in[0]->data, a->in[1]->data, (uint8_t *)a->out->data, a->in[0]->dtype};
    ember_bcast_iter it;
    (void)err;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, less_row, &c, a->threads);
    return EMBER_OK;
}

const ember_op_impl ember_op_less = {"LESS", check, eval};
