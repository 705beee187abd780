/* SIGMOID: 1 / (1 + exp(-x)) in float32, without overflow for large |x|: with
 * e = exp(-|x|) <= 1, 1 / (1 + e) for x >= 0 and e / (1 + e) below (NaN stays NaN).
 * x and out: FLOAT32 of one shape. */
#include "op.h"

static float sigmoid1(float x) {
    float e = expf(-fabsf(x));
    return x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

/* Elements [begin, end) of m (ember_map_f32). */
static void sigmoid_f32(const void *ctx, int64_t begin, int64_t end) {
    const ember_map_f32 *m = (const ember_map_f32 *)ctx;
    for (int64_t i = begin; i < end; i++) m->y[i] = sigmoid1(m->x[i]);
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
    ember_map_f32 m = {(const float *)a->in[0]->data, (float *)a->out->data};
    ember_threads_for(a->threads, a->out->count, EMBER_MAP_GRAIN, sigmoid_f32, &m);
    return EMBER_OK;
}

const ember_op_impl ember_op_sigmoid = {"SIGMOID", check, eval};
