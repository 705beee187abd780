/* TRUNC: trunc(x), float32 (schema/ops.py).
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void trunc_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = truncf(x[i]);
}

EMBER_UNARY_F32_OP(trunc, "TRUNC", EMBER_MAP_GRAIN)
