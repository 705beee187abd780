/* LOGICAL_NOT: out = not x; x and out are BOOL of one shape (any nonzero input byte is
 * true, the output is 0 or 1). */
#include "op.h"

static void logical_not_bool(const uint8_t *x, uint8_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)(x[i] == 0);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *out = a->out;
    char xs[64], os[64];
    if (x->dtype != EMBER_DTYPE_BOOL || out->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d -> %d: input and output must be BOOL", (int)x->dtype,
                          (int)out->dtype);
    if (!ember_same_shape(x, out))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ in shape",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(out, os, sizeof os));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    logical_not_bool((const uint8_t *)a->in[0]->data, (uint8_t *)a->out->data, a->out->count);
    return EMBER_OK;
}

const ember_op_impl ember_op_logical_not = {"LOGICAL_NOT", check, eval};
