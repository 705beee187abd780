/* SIN: sin(x), in float32 (sinf).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void sin_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sinf(x[i]);
}

EMBER_UNARY_F32_OP(sin, "SIN", EMBER_MAP_GRAIN)
