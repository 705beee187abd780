/* SQRT: sqrt(x), in float32 (sqrtf); negative -> NaN.
 * x and out: FLOAT32 of one shape. */
#include "op.h"

static void sqrt_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sqrtf(x[i]);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *out = a->out;
    char xs[64], os[64];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || out->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d -> %d: input and output must be FLOAT32", (int)x->dtype,
                          (int)out->dtype);
    if (!ember_same_shape(x, out))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ in shape",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(out, os, sizeof os));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    sqrt_f32((const float *)a->in[0]->data, (float *)a->out->data, a->out->count);
    return EMBER_OK;
}

const ember_op_impl ember_op_sqrt = {"SQRT", check, eval};
