/* MINIMUM: out = min(a, b) (arith.h). A NaN in either input propagates. */
#include "arith.h"

#define MINIMUM_INT(T, x, y) ((x) < (y) ? (x) : (y))
EMBER_ARITH_OP(minimum, "MINIMUM", ember_min_nan, MINIMUM_INT)
