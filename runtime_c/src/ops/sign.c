/* SIGN: (x > 0) - (x < 0), float32 (schema/ops.py).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void sign_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = (float)(v > 0.0f) - (float)(v < 0.0f);   /* 0 for ±0 and NaN, as torch */
    }
}

EMBER_UNARY_F32_OP(sign, "SIGN", EMBER_MAP_GRAIN)
