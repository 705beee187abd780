/* FMOD: the remainder with the sign of the dividend (torch.fmod, C's fmod, ONNX Mod with
 * fmod=1), remainder.h. FLOAT32: fmodf (exact in every runtime). Integers: truncated
 * remainder a - b * trunc(a / b), INT_MIN % -1 is 0; a zero divisor is a run-time error. */
#include "remainder.h"

#define FMOD_INT(T, x, y) ember_rem_trunc((int64_t)(x), (int64_t)(y))
EMBER_REMAINDER_OP(fmod, "FMOD", fmodf, FMOD_INT)
