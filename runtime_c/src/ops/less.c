/* LESS: out = (a < b) -> BOOL, numpy broadcasting (compare.h). */
#include "compare.h"

EMBER_COMPARE_ROWS(less, <)

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_compare_eval(a, &less_rows);
    return EMBER_OK;
}

const ember_op_impl ember_op_less = {"LESS", ember_compare_check, eval};
