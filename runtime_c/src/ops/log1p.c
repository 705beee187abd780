/* LOG1P: log(1 + x), float32 (schema/ops.py).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void log1p_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = log1pf(v);
    }
}

EMBER_UNARY_F32_OP(log1p, "LOG1P", EMBER_MAP_GRAIN)
