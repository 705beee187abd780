/* TOPK: PLACEHOLDER until its kernel lands (refused at load). */
#include "op.h"

static ember_status check(const ember_op_args *a, ember_error *err) {
    (void)a;
    return ember_fail(err, EMBER_ERR_UNSUPPORTED, "TOPK is not implemented in this build");
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)a;
    (void)err;
    return EMBER_OK;
}

const ember_op_impl ember_op_topk = {"TOPK", check, eval, NULL};
