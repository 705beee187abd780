/* SUB: out = a - b (arith.h). Integers wrap around like numpy's: the difference is formed
 * in an unsigned type (no signed overflow) and converted back modulo 2^N. */
#include "arith.h"

/* One row: y[i] = a[i * da] - b[i * db] for i in [0, n); da, db are 0 or 1. */
static void sub_f32(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db, int32_t act) {
#define F(u, v) ((u) - (v))
    EMBER_BINARY_ROW(float, a, b, y, n, da, db, F);
#undef F
    ember_activate_row(y, n, act);   /* the fused activation, a second pass */
}

#define SUB_INT(T, x, y) ((T)((uint64_t)(x) - (uint64_t)(y)))
EMBER_ARITH_INT_ROWS(sub, SUB_INT)

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_arith_eval(a, &sub_rows);
    return EMBER_OK;
}

const ember_op_impl ember_op_sub = {"SUB", ember_arith_check, eval};
