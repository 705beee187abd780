/* LOG10: log10(x), float32 (schema/ops.py).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void log10_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = log10f(x[i]);
}

EMBER_UNARY_F32_OP(log10, "LOG10", EMBER_MAP_GRAIN)
