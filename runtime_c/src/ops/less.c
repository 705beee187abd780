/* LESS: out = (a < b) -> BOOL, numpy broadcasting (compare.h). */
#include "compare.h"

EMBER_COMPARE_OP(less, "LESS", <)
