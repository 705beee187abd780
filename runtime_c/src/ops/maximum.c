/* MAXIMUM: out = max(a, b) (arith.h). A NaN in either input propagates. */
#include "arith.h"

static float max_f32(float a, float b) {
    return isnan(a) || a > b ? a : b;   /* b when b is NaN */
}

/* One row: y[i] = max(a[i * da], b[i * db]) for i in [0, n); da, db are 0 or 1. */
static void maximum_f32(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db,
                        int32_t act) {
    EMBER_BINARY_ROW(float, a, b, y, n, da, db, max_f32);
    ember_activate_row(y, n, act);
}

#define MAXIMUM_INT(T, x, y) ((x) > (y) ? (x) : (y))
EMBER_ARITH_INT_ROWS(maximum, MAXIMUM_INT)

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_arith_eval(a, &maximum_rows);
    return EMBER_OK;
}

const ember_op_impl ember_op_maximum = {"MAXIMUM", ember_arith_check, eval};
