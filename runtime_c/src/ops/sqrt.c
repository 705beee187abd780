/* SQRT: sqrt(x), in float32 (sqrtf); negative -> NaN.
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void sqrt_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sqrtf(x[i]);
}

EMBER_UNARY_F32_OP(sqrt, "SQRT", EMBER_MAP_GRAIN_FAST)
