/* DIV: out = a / b (arith.h). Floats: IEEE division (x/0 is +-inf or NaN).
 * Integers, as numpy's true division into an integer output: the quotient is formed in
 * float64 and truncated toward zero. Where that conversion is undefined in C and numpy
 * (x/0, 0/0, or a quotient outside the dtype's range) the result is the dtype's minimum
 * for INT32/INT64, which is what numpy gives on x86; INT8/UINT8 take the low 8 bits of
 * the INT32 result (x86 numpy converts through int32 there), so x/0 gives 0. */
#include "arith.h"

/* Truncation toward zero; NaN and out-of-range values give the minimum. */
static int64_t quot_int64_t(double q) {
    return q >= -9223372036854775808.0 && q < 9223372036854775808.0 ? (int64_t)q : INT64_MIN;
}
static int32_t quot_int32_t(double q) {
    return q > -2147483649.0 && q < 2147483648.0 ? (int32_t)q : INT32_MIN;
}
static int8_t quot_int8_t(double q) { return (int8_t)(uint8_t)quot_int32_t(q); }
static uint8_t quot_uint8_t(double q) { return (uint8_t)quot_int32_t(q); }

#define DIV_F32(u, v) ((u) / (v))
/* quot_<T>: the quotient's conversion to the dtype T */
#define DIV_INT(T, x, y) quot_##T((double)(x) / (double)(y))
EMBER_ARITH_OP(div, "DIV", DIV_F32, DIV_INT)
