#version 450
// RELU (OP 0) and TANH (OP 1), float32: one invocation per element over the flattened
// 2-D grid (64 per workgroup). TANH is the C runtime's polynomial (src/ops/vmath.h: the
// Taylor series to z^17 below |z| = 0.625, 1 - 2 / (exp(2|z|) + 1) above with exp by
// Cody-Waite reduction and a degree-7 polynomial), its steps marked precise so that no
// multiply-add is fused: the C runtime's operations, within the device's division (2.5 ulp
// in Vulkan, exact on lavapipe).
//
// Push constants: u0 x ref, u1 y, u2 total.
#include "common.glsl"

const float EXP_POLY[8] = float[8](1.98412698e-4, 1.38888889e-3, 8.33333333e-3, 4.16666667e-2,
                                   1.66666667e-1, 0.5, 1.0, 1.0);
const float TANH_POLY[9] = float[9](5.90027441e-4, -1.45583439e-3, 3.59212804e-3, -8.86323553e-3,
                                    2.18694885e-2, -5.39682540e-2, 1.33333333e-1, -3.33333333e-1, 1.0);

float vm_exp(float y) {
    if (isnan(y)) return y;
    float c = -87.0 > y ? -87.0 : y;
    c = 88.0 < c ? 88.0 : c;
    precise float n = roundEven(c * 1.44269504);   // = (v + 1.5 * 2^23) - 1.5 * 2^23 for |v| < 2^22
    precise float r = (c - n * 0.693359375) - n * -2.12194440e-4;
    precise float p = EXP_POLY[0];
    for (int i = 1; i < 8; i++) p = p * r + EXP_POLY[i];
    precise float e = p * intBitsToFloat((int(n) + 127) << 23);
    return y < -87.0 ? 0.0 : y > 88.0 ? uintBitsToFloat(0x7f800000u) : e;
}

float vm_tanh(float z) {
    float a = abs(z);
    a = 9.0 < a ? 9.0 : a;
    precise float z2 = z * z;
    precise float p = TANH_POLY[0];
    for (int i = 1; i < 9; i++) p = p * z2 + TANH_POLY[i];
    precise float small = z * p;
    precise float big = 1.0 - 2.0 / (vm_exp(2.0 * a) + 1.0);
    return abs(z) < 0.625 ? small : z < 0.0 ? -big : big;
}

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[2]) return;
    float v = ld(pc.u[0], idx);
    arena[pc.u[1] + idx] = OP == 0u ? (v < 0.0 ? 0.0 : v) : vm_tanh(v);   // RELU: NaN stays NaN
}
