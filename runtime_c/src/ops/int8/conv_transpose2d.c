/* CONV_TRANSPOSE2D int8: placeholder until the kernel lands (refuses at load). */
#include "fixed.h"

static ember_status check(const ember_op_args *a, ember_error *err) {
    (void)a;
    return ember_fail(err, EMBER_ERR_UNSUPPORTED, "int8 CONV_TRANSPOSE2D is not implemented yet");
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)a;
    return ember_fail(err, EMBER_ERR_UNSUPPORTED, "int8 CONV_TRANSPOSE2D is not implemented yet");
}

const ember_op_impl ember_op_conv_transpose2d_int8 = {"CONV_TRANSPOSE2D_INT8", check, eval, NULL};
