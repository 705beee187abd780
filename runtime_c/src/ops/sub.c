/* SUB: out = a - b with numpy broadcasting, then the fused activation (BinaryOptions).
 * a, b and out share one dtype: FLOAT32, INT8, INT32, INT64 or UINT8; out's shape is
 * the broadcast of a's and b's. Integers wrap around like numpy's: the difference is
 * formed in an unsigned type (no signed overflow) and converted back modulo 2^N. */
#include "op.h"

/* The fused activation on an integer result (already in its dtype's range). */
static int64_t act_int(int64_t v, int32_t activation) {
    if (activation == EMBER_ACT_RELU) return v > 0 ? v : 0;
    if (activation == EMBER_ACT_RELU6) return v > 0 ? (v < 6 ? v : 6) : 0;
    return v;
}

/* One row: y[i] = a[i * da] - b[i * db] for i in [0, n); da, db are 0 or 1. */
static void sub_f32(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db, int32_t act) {
#define F(u, v) ((u) - (v))
    EMBER_BINARY_ROW(float, a, b, y, n, da, db, F);
#undef F
    ember_activate_row(y, n, act);   /* the fused activation, a second pass */
}

#define SUB_INT(NAME, T, UT)                                                                          \
    static void NAME(const T *a, const T *b, T *y, int64_t n, int64_t da, int64_t db, int32_t act) { \
        for (int64_t i = 0; i < n; i++) y[i] = (T)act_int((T)((UT)a[i * da] - (UT)b[i * db]), act);  \
    }
SUB_INT(sub_i8, int8_t, uint32_t)
SUB_INT(sub_u8, uint8_t, uint32_t)
SUB_INT(sub_i32, int32_t, uint32_t)
SUB_INT(sub_i64, int64_t, uint64_t)

typedef struct sub_ctx { const void *a, *b; void *y; uint8_t dtype; int32_t activation; } sub_ctx;

static void sub_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                    int64_t dc) {
    const sub_ctx *c = (const sub_ctx *)ctx;
    (void)ic;
    (void)dc;
#define ROW(T, FN) FN((const T *)c->a + ia, (const T *)c->b + ib, (T *)c->y + o, n, da, db, c->activation)
    switch (c->dtype) {
    case EMBER_DTYPE_FLOAT32: ROW(float, sub_f32); break;
    case EMBER_DTYPE_INT8: ROW(int8_t, sub_i8); break;
    case EMBER_DTYPE_UINT8: ROW(uint8_t, sub_u8); break;
    case EMBER_DTYPE_INT32: ROW(int32_t, sub_i32); break;
    case EMBER_DTYPE_INT64: ROW(int64_t, sub_i64); break;
    default: break;   /* refused by check */
    }
#undef ROW
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    char xs[64], ys[64], os[64];
    if (x->dtype != out->dtype || y->dtype != out->dtype || out->dtype == EMBER_DTYPE_BOOL ||
        out->dtype > EMBER_DTYPE_UINT8)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs and output must share a numeric dtype",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    if (!ember_broadcast_result(x, y, out))
        return ember_fail(err, EMBER_ERR_VERIFY, "inputs %s and %s do not broadcast to the output %s",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(y, ys, sizeof ys),
                          ember_shape_str(out, os, sizeof os));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    sub_ctx c = {a->in[0]->data, a->in[1]->data, a->out->data, a->out->dtype, a->p->act.activation};
    ember_bcast_iter it;
    (void)err;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, sub_row, &c, a->threads);
    return EMBER_OK;
}

const ember_op_impl ember_op_sub = {"SUB", check, eval};
