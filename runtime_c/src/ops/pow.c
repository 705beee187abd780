/* POW: out = a ** b with numpy broadcasting, then the fused activation (BinaryOptions).
 * a, b and out share one dtype: FLOAT32, INT8, INT32, INT64 or UINT8; out's shape is
 * the broadcast of a's and b's. Floats: powf, but a row with a scalar exponent of 2 or 3
 * (GELU's x^3 in a decomposed graph) multiplies: x * x is powf's correctly rounded value,
 * (x * x) * x within an ulp of it, and both vectorise. Integers: exact repeated multiplication
 * that wraps around like numpy's (in uint64, converted back modulo 2^N); a negative
 * integer exponent is a run-time error, as numpy raises "Integers to negative integer
 * powers are not allowed". */
#include "arith.h"   /* the shared check and integer activation */

/* base ** e modulo 2^64, by squaring. */
static uint64_t ipow(uint64_t base, uint64_t e) {
    uint64_t r = 1;
    while (e) {
        if (e & 1u) r *= base;
        base *= base;
        e >>= 1;
    }
    return r;
}

/* One row: y[i] = a[i * da] ** b[i * db] for i in [0, n); da, db are 0 or 1.
 * The integer rows return 1 (leaving the rest of the row) on a negative exponent. */
static int pow_f32(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db, int32_t act) {
    if (db == 0 && da == 1 && b[0] == 2.0f) {
        for (int64_t i = 0; i < n; i++) y[i] = ember_activate(a[i] * a[i], act);
    } else if (db == 0 && da == 1 && b[0] == 3.0f) {
        for (int64_t i = 0; i < n; i++) y[i] = ember_activate(a[i] * a[i] * a[i], act);
    } else {
        for (int64_t i = 0; i < n; i++) y[i] = ember_activate(powf(a[i * da], b[i * db]), act);
    }
    return 0;
}

#define POW_INT(NAME, T)                                                                             \
    static int NAME(const T *a, const T *b, T *y, int64_t n, int64_t da, int64_t db, int32_t act) { \
        for (int64_t i = 0; i < n; i++) {                                                            \
            int64_t e = (int64_t)b[i * db];                                                          \
            if (e < 0) return 1;                                                                     \
            y[i] = (T)ember_act_int((T)ipow((uint64_t)(int64_t)a[i * da], (uint64_t)e), act);        \
        }                                                                                            \
        return 0;                                                                                    \
    }
POW_INT(pow_i8, int8_t)
POW_INT(pow_u8, uint8_t)
POW_INT(pow_i32, int32_t)
POW_INT(pow_i64, int64_t)

typedef struct pow_ctx { const void *a, *b; void *y; uint8_t dtype; int32_t activation; int negative; } pow_ctx;

static void pow_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                    int64_t dc) {
    pow_ctx *c = (pow_ctx *)ctx;
    (void)ic;
    (void)dc;
    if (c->negative) return;
#define ROW(T, FN) FN((const T *)c->a + ia, (const T *)c->b + ib, (T *)c->y + o, n, da, db, c->activation)
    switch (c->dtype) {
    case EMBER_DTYPE_FLOAT32: c->negative = ROW(float, pow_f32); break;
    case EMBER_DTYPE_INT8: c->negative = ROW(int8_t, pow_i8); break;
    case EMBER_DTYPE_UINT8: c->negative = ROW(uint8_t, pow_u8); break;
    case EMBER_DTYPE_INT32: c->negative = ROW(int32_t, pow_i32); break;
    case EMBER_DTYPE_INT64: c->negative = ROW(int64_t, pow_i64); break;
    default: break;   /* refused by check */
    }
#undef ROW
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    pow_ctx c = {a->in[0]->data, a->in[1]->data, a->out->data, a->out->dtype, a->p->act.activation, 0};
    ember_bcast_iter it;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows(&it, pow_row, &c);
    if (c.negative)
        return ember_fail(err, EMBER_ERR_EXECUTION, "integers to negative integer powers are not allowed");
    return EMBER_OK;
}

const ember_op_impl ember_op_pow = {"POW", ember_arith_check, eval, NULL};
