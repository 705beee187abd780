/* ADD int8: see binary.h. */
#include "binary.h"

extern const ember_op_impl ember_op_add;

static ember_status check(const ember_op_args *a, ember_error *err) { return q8_add_sub_check(&ember_op_add, a, err); }

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    q8_add_sub(a, 1);
    return EMBER_OK;
}

const ember_op_impl ember_op_add_int8 = {"ADD", check, eval, NULL};
