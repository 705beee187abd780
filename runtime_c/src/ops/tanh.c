/* TANH: tanh(x), in float32 by src/ops/vmath.h (8 lanes at a time where built), within
 * 2 ulp.
 * x and out: FLOAT32 of one shape (unary.h). */
#include "unary.h"
#include "vmath.h"

static void tanh_f32(const float *x, float *y, int64_t n) { ember_vm_row(EMBER_VM_TANH, x, y, n); }

EMBER_UNARY_F32_OP(tanh, "TANH", EMBER_MAP_GRAIN_FAST)
