/* RSQRT: 1 / sqrt(x), in float32; rsqrt(0) = inf, negative -> NaN.
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void rsqrt_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = 1.0f / sqrtf(x[i]);
}

EMBER_UNARY_F32_OP(rsqrt, "RSQRT", EMBER_MAP_GRAIN_FAST)
