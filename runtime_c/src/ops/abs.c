/* ABS: out = |x|; x and out share one shape and dtype (any; unary.h). Signed integers wrap
 * like numpy's (|INT_MIN| is INT_MIN: negated in an unsigned type, converted back modulo
 * 2^N); UINT8 is unchanged; BOOL is unchanged (0 or 1). */
#include "unary.h"

static void abs_f32(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = fabsf(x[i]);
}

#define ABS_INT(T, v) ((v) < 0 ? (T)(0u - (uint64_t)(v)) : (v))
EMBER_UNARY_ROW(abs_i8, int8_t, ABS_INT)
EMBER_UNARY_ROW(abs_i32, int32_t, ABS_INT)
EMBER_UNARY_ROW(abs_i64, int64_t, ABS_INT)

static void abs_u8(const uint8_t *x, uint8_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i];
}

static void abs_bool(const uint8_t *x, uint8_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)(x[i] != 0);
}

static const ember_unary_rows abs_rows = {abs_f32, abs_i8, abs_u8, abs_i32, abs_i64, abs_bool};
EMBER_UNARY_TYPED_OP(abs, "ABS")
