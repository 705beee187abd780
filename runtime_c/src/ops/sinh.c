/* SINH: sinh(x), float32 (schema/ops.py).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void sinh_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = sinhf(v);
    }
}

EMBER_UNARY_F32_OP(sinh, "SINH", EMBER_MAP_GRAIN)
