/* NEG: out = -x; x and out share one shape and a numeric dtype (FLOAT32, INT8, INT32,
 * INT64 or UINT8; numpy refuses BOOL). Integers wrap around like numpy's (-INT_MIN is
 * INT_MIN, -1 as UINT8 is 255): negated in an unsigned type, converted back modulo 2^N. */
#include "op.h"

static void neg_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = -x[i];
}

#define NEG_INT(NAME, T, UT) \
    static void NAME(const T *x, T *y, int64_t n) { for (int64_t i = 0; i < n; i++) y[i] = (T)(0u - (UT)x[i]); }
NEG_INT(neg_i8, int8_t, uint32_t)
NEG_INT(neg_u8, uint8_t, uint32_t)
NEG_INT(neg_i32, int32_t, uint32_t)
NEG_INT(neg_i64, int64_t, uint64_t)

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *out = a->out;
    char xs[64], os[64];
    if (x->dtype != out->dtype || out->dtype == EMBER_DTYPE_BOOL || out->dtype > EMBER_DTYPE_UINT8)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d -> %d: input and output must share a numeric dtype",
                          (int)x->dtype, (int)out->dtype);
    if (!ember_same_shape(x, out))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ in shape",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(out, os, sizeof os));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const void *x = a->in[0]->data;
    void *y = a->out->data;
    int64_t n = a->out->count;
    (void)err;
    switch (a->out->dtype) {
    case EMBER_DTYPE_FLOAT32: neg_f32((const float *)x, (float *)y, n); break;
    case EMBER_DTYPE_INT8: neg_i8((const int8_t *)x, (int8_t *)y, n); break;
    case EMBER_DTYPE_UINT8: neg_u8((const uint8_t *)x, (uint8_t *)y, n); break;
    case EMBER_DTYPE_INT32: neg_i32((const int32_t *)x, (int32_t *)y, n); break;
    case EMBER_DTYPE_INT64: neg_i64((const int64_t *)x, (int64_t *)y, n); break;
    default: break;   /* refused by check */
    }
    return EMBER_OK;
}

const ember_op_impl ember_op_neg = {"NEG", check, eval};
