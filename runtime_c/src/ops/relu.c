/* RELU: max(x, 0); x and out share one shape and a numeric dtype (not BOOL; unary.h).
 * NaN stays NaN; UINT8 is unchanged. */
#include "unary.h"

static void relu_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];   /* NaN stays NaN */
}

#define RELU_INT(T, v) ((v) > 0 ? (v) : 0)
EMBER_UNARY_NUMERIC_OP(relu, "RELU", RELU_INT)
