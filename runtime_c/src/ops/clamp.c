/* CLAMP: min(max(x, min), max) with min and max from ClampOptions (either may be
 * +-inf); NaN propagates, as numpy's maximum/minimum. When min > max the result is max.
 * x and out: FLOAT32 of one shape. */
#include "op.h"

/* numpy's maximum and minimum: a NaN in either operand is the result. */
static float max_nan(float a, float b) { return isnan(a) || a > b ? a : b; }
static float min_nan(float a, float b) { return isnan(a) || a < b ? a : b; }

static void clamp_f32(const float *x, float *y, int64_t n, float lo, float hi) {
    for (int64_t i = 0; i < n; i++) y[i] = min_nan(max_nan(x[i], lo), hi);
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
    clamp_f32((const float *)a->in[0]->data, (float *)a->out->data, a->out->count, a->p->clamp.min, a->p->clamp.max);
    return EMBER_OK;
}

const ember_op_impl ember_op_clamp = {"CLAMP", check, eval};
