/* TANH: tanh(x), in float32 by src/ops/vmath.h (8 lanes at a time where built), within
 * 2 ulp.
 * x and out: FLOAT32 of one shape. */
#include "op.h"
#include "vmath.h"

/* Elements [begin, end) of m (ember_map_f32). */
static void tanh_f32(const void *ctx, int64_t begin, int64_t end) {
    const ember_map_f32 *m = (const ember_map_f32 *)ctx;
    ember_vm_row(EMBER_VM_TANH, m->x + begin, m->y + begin, end - begin);
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
    ember_threads_for(a->threads, a->out->count, 4 * EMBER_MAP_GRAIN, tanh_f32, &m);
    return EMBER_OK;
}

const ember_op_impl ember_op_tanh = {"TANH", check, eval};
