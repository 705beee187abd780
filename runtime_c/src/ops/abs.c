/* ABS: out = |x|; x and out share one shape and dtype (any). Signed integers wrap like
 * numpy's (|INT_MIN| is INT_MIN); UINT8 is unchanged; BOOL is unchanged (0 or 1). */
#include "op.h"

static void abs_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = fabsf(x[i]);
}

#define ABS_INT(NAME, T, UT)                                                             \
    static void NAME(const T *x, T *y, int64_t n) {                                      \
        for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0 ? (T)(0u - (UT)x[i]) : x[i];     \
    }
ABS_INT(abs_i8, int8_t, uint32_t)
ABS_INT(abs_i32, int32_t, uint32_t)
ABS_INT(abs_i64, int64_t, uint64_t)

static void abs_u8(const uint8_t *x, uint8_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i];
}

static void abs_bool(const uint8_t *x, uint8_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)(x[i] != 0);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *out = a->out;
    char xs[64], os[64];
    if (x->dtype != out->dtype || out->dtype > EMBER_DTYPE_UINT8)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d -> %d: input and output must share a dtype",
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
    case EMBER_DTYPE_FLOAT32: abs_f32((const float *)x, (float *)y, n); break;
    case EMBER_DTYPE_INT8: abs_i8((const int8_t *)x, (int8_t *)y, n); break;
    case EMBER_DTYPE_INT32: abs_i32((const int32_t *)x, (int32_t *)y, n); break;
    case EMBER_DTYPE_INT64: abs_i64((const int64_t *)x, (int64_t *)y, n); break;
    case EMBER_DTYPE_UINT8: abs_u8((const uint8_t *)x, (uint8_t *)y, n); break;
    case EMBER_DTYPE_BOOL: abs_bool((const uint8_t *)x, (uint8_t *)y, n); break;
    default: break;   /* refused by check */
    }
    return EMBER_OK;
}

const ember_op_impl ember_op_abs = {"ABS", check, eval};
