/* RELU: max(x, 0), any numeric dtype (x and out share it). */
#include "op.h"

static void relu_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];   /* NaN stays NaN */
}

#define RELU_INT(T) \
    for (int64_t i = 0; i < n; i++) ((T *)y)[i] = ((const T *)x)[i] > 0 ? ((const T *)x)[i] : 0

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (a->in[0]->dtype != a->out->dtype || !ember_same_shape(a->in[0], a->out) || a->out->dtype == EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must share a numeric dtype and shape");
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const void *x = a->in[0]->data;
    void *y = a->out->data;
    int64_t n = a->out->count;
    (void)err;
    switch (a->out->dtype) {
    case EMBER_DTYPE_FLOAT32: relu_f32((const float *)x, (float *)y, n); break;
    case EMBER_DTYPE_INT8: RELU_INT(int8_t); break;
    case EMBER_DTYPE_INT32: RELU_INT(int32_t); break;
    case EMBER_DTYPE_INT64: RELU_INT(int64_t); break;
    default: memmove(y, x, (size_t)n); break;   /* UINT8: already >= 0 */
    }
    return EMBER_OK;
}

const ember_op_impl ember_op_relu = {"RELU", check, eval};
