/* LOG: log(x), in float32 (logf); log(0) = -inf, negative -> NaN.
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void log_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = logf(x[i]);
}

EMBER_UNARY_F32_OP(log, "LOG", EMBER_MAP_GRAIN)
