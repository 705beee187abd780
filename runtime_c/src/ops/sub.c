/* SUB: out = a - b (arith.h). Integers wrap around like numpy's: the difference is formed
 * in an unsigned type (no signed overflow) and converted back modulo 2^N. */
#include "arith.h"

#define SUB_F32(u, v) ((u) - (v))
#define SUB_INT(T, x, y) ((T)((uint64_t)(x) - (uint64_t)(y)))
EMBER_ARITH_OP(sub, "SUB", SUB_F32, SUB_INT)
