/* DEQUANTIZE: INT8 -> FLOAT32 with the input's scale s and zero point z:
 * out = (float)(x - z) * s, one float32 multiplication. Shapes equal. */
#include "op.h"

static void dequantize_i8(const int8_t *x, float *y, int64_t n, float scale, int32_t zp) {
    for (int64_t i = 0; i < n; i++) y[i] = (float)((int32_t)x[i] - zp) * scale;
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    if (x->dtype != EMBER_DTYPE_INT8 || !x->quantized || y->dtype != EMBER_DTYPE_FLOAT32 || !ember_same_shape(x, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "needs a per-tensor quantized INT8 input and a FLOAT32 output "
                          "of the same shape");
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    dequantize_i8((const int8_t *)a->in[0]->data, (float *)a->out->data, a->out->count, a->in[0]->scale,
                  a->in[0]->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_dequantize = {"DEQUANTIZE", check, eval, NULL};
