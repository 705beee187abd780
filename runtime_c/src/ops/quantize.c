/* QUANTIZE: FLOAT32 -> INT8 with the output's scale s and zero point z:
 * out = clamp(rint(x / s) + z, -128, 127), x / s in float32 and rint rounding half to
 * even (the default rounding mode); NaN gives z. Shapes equal. */
#include "op.h"

static void quantize_f32(const float *x, int8_t *y, int64_t n, float scale, int32_t zp) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i] / scale;
        int32_t q;
        if (v != v) {
            q = zp;
        } else {
            v = rintf(v);
            v = v < -512.0f ? -512.0f : v > 512.0f ? 512.0f : v;
            q = (int32_t)v + zp;
        }
        y[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    if (x->dtype != EMBER_DTYPE_FLOAT32 || y->dtype != EMBER_DTYPE_INT8 || !y->quantized || !ember_same_shape(x, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "needs a FLOAT32 input and a per-tensor quantized INT8 output "
                          "of the same shape");
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    quantize_f32((const float *)a->in[0]->data, (int8_t *)a->out->data, a->out->count, a->out->scale,
                 a->out->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_quantize = {"QUANTIZE", check, eval, NULL};
