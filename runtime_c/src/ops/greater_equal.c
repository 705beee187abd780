/* GREATER_EQUAL: out = (a >= b) -> BOOL, numpy broadcasting (compare.h). */
#include "compare.h"

EMBER_COMPARE_OP(greater_equal, "GREATER_EQUAL", >=)
