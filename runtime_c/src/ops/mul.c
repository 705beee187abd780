/* MUL: out = a * b (arith.h). Integers wrap around like numpy's: the product is formed
 * in an unsigned type (no signed overflow) and converted back modulo 2^N. */
#include "arith.h"

#define MUL_F32(u, v) ((u) * (v))
#define MUL_INT(T, x, y) ((T)((uint64_t)(x) * (uint64_t)(y)))
EMBER_ARITH_OP(mul, "MUL", MUL_F32, MUL_INT)
