/* MOD: the remainder with the sign of the divisor (torch.remainder, Python's %, ONNX Mod
 * with fmod=0), remainder.h. FLOAT32: r = fmodf(a, b) (exact), then r + b where r != 0 and
 * the signs of r and b differ (the Python runtime computes the same in float32, so the
 * bits agree). Integers: exact floored remainder; a zero divisor is a run-time error. */
#include "remainder.h"

static float mod_f32_one(float u, float v) {
    float r = fmodf(u, v);
    return r != 0.0f && (r < 0.0f) != (v < 0.0f) ? r + v : r;
}

#define MOD_INT(T, x, y) ember_rem_floor((int64_t)(x), (int64_t)(y))
EMBER_REMAINDER_OP(mod, "MOD", mod_f32_one, MOD_INT)
