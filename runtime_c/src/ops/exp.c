/* EXP: exp(x), in float32 (expf); overflows to inf.
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"

static void exp_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = expf(x[i]);
}

EMBER_UNARY_F32_OP(exp, "EXP", EMBER_MAP_GRAIN)
