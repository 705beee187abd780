/* DIV: out = a / b with numpy broadcasting, then the fused activation (BinaryOptions).
 * a, b and out share one dtype: FLOAT32, INT8, INT32, INT64 or UINT8; out's shape is
 * the broadcast of a's and b's. Floats: IEEE division (x/0 is +-inf or NaN).
 * Integers, as numpy's true division into an integer output: the quotient is formed in
 * float64 and truncated toward zero. Where that conversion is undefined in C and numpy
 * (x/0, 0/0, or a quotient outside the dtype's range) the result is the dtype's minimum
 * for INT32/INT64, which is what numpy gives on x86; INT8/UINT8 take the low 8 bits of
 * the INT32 result (x86 numpy converts through int32 there), so x/0 gives 0. */
#include "op.h"

/* The fused activation on an integer result (already in its dtype's range). */
static int64_t act_int(int64_t v, int32_t activation) {
    if (activation == EMBER_ACT_RELU) return v > 0 ? v : 0;
    if (activation == EMBER_ACT_RELU6) return v > 0 ? (v < 6 ? v : 6) : 0;
    return v;
}

/* Truncation toward zero; NaN and out-of-range values give the minimum. */
static int64_t quot_i64(double q) {
    return q >= -9223372036854775808.0 && q < 9223372036854775808.0 ? (int64_t)q : INT64_MIN;
}
static int32_t quot_i32(double q) {
    return q > -2147483649.0 && q < 2147483648.0 ? (int32_t)q : INT32_MIN;
}
static int8_t quot_i8(double q) { return (int8_t)(uint8_t)quot_i32(q); }
static uint8_t quot_u8(double q) { return (uint8_t)quot_i32(q); }

/* One row: y[i] = a[i * da] / b[i * db] for i in [0, n); da, db are 0 or 1. */
static void div_f32(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db, int32_t act) {
#define F(u, v) ((u) / (v))
    EMBER_BINARY_ROW(float, a, b, y, n, da, db, F);
#undef F
    ember_activate_row(y, n, act);   /* the fused activation, a second pass */
}

#define DIV_INT(NAME, T, QUOT)                                                                        \
    static void NAME(const T *a, const T *b, T *y, int64_t n, int64_t da, int64_t db, int32_t act) { \
        for (int64_t i = 0; i < n; i++)                                                               \
            y[i] = (T)act_int(QUOT((double)a[i * da] / (double)b[i * db]), act);                      \
    }
DIV_INT(div_i8, int8_t, quot_i8)
DIV_INT(div_u8, uint8_t, quot_u8)
DIV_INT(div_i32, int32_t, quot_i32)
DIV_INT(div_i64, int64_t, quot_i64)

typedef struct div_ctx { const void *a, *b; void *y; uint8_t dtype; int32_t activation; } div_ctx;

static void div_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                    int64_t dc) {
    const div_ctx *c = (const div_ctx *)ctx;
    (void)ic;
    (void)dc;
#define ROW(T, FN) FN((const T *)c->a + ia, (const T *)c->b + ib, (T *)c->y + o, n, da, db, c->activation)
    switch (c->dtype) {
    case EMBER_DTYPE_FLOAT32: ROW(float, div_f32); break;
    case EMBER_DTYPE_INT8: ROW(int8_t, div_i8); break;
    case EMBER_DTYPE_UINT8: ROW(uint8_t, div_u8); break;
    case EMBER_DTYPE_INT32: ROW(int32_t, div_i32); break;
    case EMBER_DTYPE_INT64: ROW(int64_t, div_i64); break;
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
    div_ctx c = {a->in[0]->data, a->in[1]->data, a->out->data, a->out->dtype, a->p->act.activation};
    ember_bcast_iter it;
    (void)err;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, div_row, &c, a->threads);
    return EMBER_OK;
}

const ember_op_impl ember_op_div = {"DIV", check, eval};
