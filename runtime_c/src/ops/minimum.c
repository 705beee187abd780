/* MINIMUM: out = min(a, b) (arith.h). A NaN in either input propagates. */
#include "arith.h"

static float min_f32(float a, float b) {
    return isnan(a) || a < b ? a : b;   /* b when b is NaN */
}

/* One row: y[i] = min(a[i * da], b[i * db]) for i in [0, n); da, db are 0 or 1. */
static void minimum_f32(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db,
                        int32_t act) {
    EMBER_BINARY_ROW(float, a, b, y, n, da, db, min_f32);
    ember_activate_row(y, n, act);
}

#define MINIMUM_INT(T, x, y) ((x) < (y) ? (x) : (y))
EMBER_ARITH_INT_ROWS(minimum, MINIMUM_INT)

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_arith_eval(a, &minimum_rows);
    return EMBER_OK;
}

const ember_op_impl ember_op_minimum = {"MINIMUM", ember_arith_check, eval};
