/* HARDSWISH: x * min(max(x + 3, 0), 6) / 6, in float32 (NaN stays NaN).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static float hardswish1(float x) {
    float t = x + 3.0f;
    t = t < 0.0f ? 0.0f : (t > 6.0f ? 6.0f : t);
    return x * t / 6.0f;
}

static void hardswish_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = hardswish1(x[i]);
}

EMBER_UNARY_F32_OP(hardswish, "HARDSWISH", EMBER_MAP_GRAIN_FAST)
