/* GREATER: out = (a > b) -> BOOL, numpy broadcasting (compare.h). */
#include "compare.h"

EMBER_COMPARE_ROWS(greater, >)

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_compare_eval(a, &greater_rows);
    return EMBER_OK;
}

const ember_op_impl ember_op_greater = {"GREATER", ember_compare_check, eval};
