/* MAXIMUM: out = max(a, b) (arith.h). A NaN in either input propagates. */
#include "arith.h"

#define MAXIMUM_INT(T, x, y) ((x) > (y) ? (x) : (y))
EMBER_ARITH_OP(maximum, "MAXIMUM", ember_max_nan, MAXIMUM_INT)
