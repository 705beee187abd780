/* ADD: out = a + b (arith.h). Integers wrap around like numpy's: the sum is formed
 * in an unsigned type (no signed overflow) and converted back modulo 2^N. */
#include "arith.h"

#define ADD_F32(u, v) ((u) + (v))
#define ADD_INT(T, x, y) ((T)((uint64_t)(x) + (uint64_t)(y)))
EMBER_ARITH_OP(add, "ADD", ADD_F32, ADD_INT)
