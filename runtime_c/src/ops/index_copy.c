/* INDEX_COPY: placeholder until the C kernel lands (refuses at load). */
#include "op.h"

static ember_status check(const ember_op_args *a, ember_error *err) {
    (void)a;
    return ember_fail(err, EMBER_ERR_UNSUPPORTED, "INDEX_COPY (state updates) is not implemented yet in C");
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)a;
    return ember_fail(err, EMBER_ERR_UNSUPPORTED, "INDEX_COPY (state updates) is not implemented yet in C");
}

const ember_op_impl ember_op_index_copy = {"INDEX_COPY", check, eval, NULL};
