/* ERF: the error function, computed in double with libm's erf and rounded to float32.
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void erf_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = (float)erf((double)x[i]);
}

EMBER_UNARY_F32_OP(erf, "ERF", EMBER_MAP_GRAIN)
