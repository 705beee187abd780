/* SIGMOID: 1 / (1 + exp(-x)) in float32, without overflow for large |x|: with
 * e = exp(-|x|) <= 1, 1 / (1 + e) for x >= 0 and e / (1 + e) below (NaN stays NaN).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static float sigmoid1(float x) {
    float e = expf(-fabsf(x));
    return x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

static void sigmoid_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sigmoid1(x[i]);
}

EMBER_UNARY_F32_OP(sigmoid, "SIGMOID", EMBER_MAP_GRAIN)
