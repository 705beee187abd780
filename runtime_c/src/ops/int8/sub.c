/* SUB int8: see binary.h. */
#include "binary.h"

extern const ember_op_impl ember_op_sub;

static ember_status check(const ember_op_args *a, ember_error *err) { return q8_add_sub_check(&ember_op_sub, a, err); }

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    q8_add_sub(a, -1);
    return EMBER_OK;
}

const ember_op_impl ember_op_sub_int8 = {"SUB", check, eval, NULL};
