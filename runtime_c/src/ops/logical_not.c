/* LOGICAL_NOT: out = not x; x and out are BOOL of one shape (any nonzero input byte is
 * true, the output is 0 or 1). */
#include "unary.h"

static void logical_not_bool(const uint8_t *x, uint8_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)(x[i] == 0);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_unary_check(a, EMBER_DTYPE_BOOL, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    logical_not_bool((const uint8_t *)a->in[0]->data, (uint8_t *)a->out->data, a->out->count);
    return EMBER_OK;
}

const ember_op_impl ember_op_logical_not = {"LOGICAL_NOT", check, eval, NULL};
