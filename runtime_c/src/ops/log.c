/* LOG: log(x), in float32 (logf); log(0) = -inf, negative -> NaN.
 * x and out: FLOAT32 of one shape. */
#include "op.h"

/* Elements [begin, end) of m (ember_map_f32). */
static void log_f32(const void *ctx, int64_t begin, int64_t end) {
    const ember_map_f32 *m = (const ember_map_f32 *)ctx;
    for (int64_t i = begin; i < end; i++) m->y[i] = logf(m->x[i]);
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
    ember_threads_for(a->threads, a->out->count, EMBER_MAP_GRAIN, log_f32, &m);
    return EMBER_OK;
}

const ember_op_impl ember_op_log = {"LOG", check, eval};
