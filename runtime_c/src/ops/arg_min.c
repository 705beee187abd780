/* ARG_MIN: the index of the smallest element along `axis`; a NaN still wins (see arg.h). */
#include "arg.h"

static ember_status check(const ember_op_args *a, ember_error *err) { return ember_arg_check(a, err); }

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_arg_eval(a, -1);
    return EMBER_OK;
}

const ember_op_impl ember_op_arg_min = {"ARG_MIN", check, eval, NULL};
