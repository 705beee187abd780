/* LOGICAL_OR: out = a or b on BOOL tensors with numpy broadcasting (compare.h); a, b and
 * out are BOOL (one byte; any nonzero input byte is true, the output is 0 or 1). */
#include "compare.h"

EMBER_LOGICAL_OP(logical_or, "LOGICAL_OR", ||)
