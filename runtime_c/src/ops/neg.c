/* NEG: out = -x; x and out share one shape and a numeric dtype (FLOAT32, INT8, INT32,
 * INT64 or UINT8; numpy refuses BOOL; unary.h). Integers wrap around like numpy's
 * (-INT_MIN is INT_MIN, -1 as UINT8 is 255): negated in an unsigned type, converted back
 * modulo 2^N. */
#include "unary.h"

static void neg_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = -x[i];
}

#define NEG_INT(T, v) ((T)(0u - (uint64_t)(v)))
EMBER_UNARY_NUMERIC_OP(neg, "NEG", NEG_INT)
