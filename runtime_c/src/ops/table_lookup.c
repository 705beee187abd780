/* TABLE_LOOKUP: int8 only; its kernel is the shared table lookup (int8/lookup.c). There is
 * no float form: the loader refuses an operator whose output is not quantized INT8 (a
 * table input on a float operator), and this check refuses it again if it is reached. */
#include "op.h"

static ember_status check(const ember_op_args *a, ember_error *err) {
    (void)a;
    return ember_fail(err, EMBER_ERR_VERIFY, "TABLE_LOOKUP is an int8 operator: its output must be quantized INT8");
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)a;
    return ember_fail(err, EMBER_ERR_VERIFY, "TABLE_LOOKUP has no float kernel");
}

const ember_op_impl ember_op_table_lookup = {"TABLE_LOOKUP", check, eval, NULL};
