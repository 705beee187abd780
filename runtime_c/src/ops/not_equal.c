/* NOT_EQUAL: out = (a != b) -> BOOL, numpy broadcasting (compare.h). */
#include "compare.h"

EMBER_COMPARE_OP(not_equal, "NOT_EQUAL", !=)
