/* ATAN2: out = atan2f(a, b), the angle of the point (b, a), with numpy broadcasting;
 * FLOAT32 only (the arith.h check and broadcast walk, a float row only). */
#include "arith.h"

EMBER_ARITH_F32_ROW(atan2, atan2f)
static const ember_arith_rows atan2_rows = {atan2_f32, NULL, NULL, NULL, NULL};

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (a->out->dtype != EMBER_DTYPE_FLOAT32)   /* the loader's FLOAT_ONLY rule, kept here too */
        return ember_fail(err, EMBER_ERR_VERIFY, "dtype %d: ATAN2 is FLOAT32", (int)a->out->dtype);
    return ember_arith_check(a, err);
}

EMBER_EVAL(eval, ember_arith_eval(a, &atan2_rows))
const ember_op_impl ember_op_atan2 = {"ATAN2", check, eval, NULL};
