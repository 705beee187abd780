#version 450
// The elementwise unary ops, float32 (OP, spec constant 0, is the schema's opcode; GELU
// with tanh_approximation is 256 + GELU): one invocation per element over the flattened
// 2-D grid (64 per workgroup). Each is the C runtime's formula (runtime_c/src/ops/*.c):
// TANH, GELU (both forms) vmath.h's polynomials step for step (vmath.glsl); SIGMOID
// e = exp(-|x|), 1/(1+e) or e/(1+e) with vmath's exp (the C runtime uses libm's expf: a few
// ulp apart); EXP vmath's exp, squared from x/2 above 88 (libm's expf in the C runtime);
// ERF vmath.glsl's vm_erf (libm's erf in double in the C runtime); SQRT, RSQRT, LOG the
// device's (Vulkan: sqrt and inversesqrt 3 ulp, log 3 ulp or 2^-21 absolute near 1);
// SIN, COS the device's sin / cos (the C runtime: libm's sinf / cosf; Vulkan leaves their
// precision outside [-pi, pi] to the device: docs/gpu.md gives the bound measured on lavapipe);
// HARDSWISH, CLAMP, NEG, ABS, RELU, FLOOR, CEIL exact. NaN stays NaN (CLAMP and RELU as
// numpy's maximum / minimum).
// LOGICAL_NOT (BOOL): one invocation per word of four elements.
//
// Push constants: u0 x ref, u1 y, u2 total (elements; words for LOGICAL_NOT), u3 CLAMP's min
// and u4 its max (float bits).
#include "common.glsl"
#include "vmath.glsl"

const uint SIN_OP = 57u, COS_OP = 58u;

float max_nan(float a, float b) { return isnan(a) || a > b ? a : b; }
float min_nan(float a, float b) { return isnan(a) || a < b ? a : b; }

float unary(float v) {
    if (OP == 20u) return v < 0.0 ? 0.0 : v;                      // RELU
    if (OP == 23u) return vm_tanh(v);                             // TANH
    if (OP == 22u) {                                              // SIGMOID
        precise float e = vm_exp(-abs(v));
        precise float s = v >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        return s;
    }
    if (OP == 24u) return vm_gelu(v);                             // GELU (erf)
    if (OP == 280u) return vm_gelu_tanh(v);                       // GELU (tanh)
    if (OP == 32u) {                                              // HARDSWISH
        precise float t = v + 3.0;
        t = t < 0.0 ? 0.0 : (t > 6.0 ? 6.0 : t);
        precise float h = v * t / 6.0;
        return h;
    }
    if (OP == 21u) return min_nan(max_nan(v, uintBitsToFloat(pc.u[3])), uintBitsToFloat(pc.u[4]));   // CLAMP
    if (OP == 25u) {                                              // EXP
        if (v > 88.0 && v < 89.0) {
            precise float h = vm_exp(0.5 * v);
            precise float e = h * h;
            return e;
        }
        return vm_exp(v);
    }
    if (OP == 31u) return vm_erf(v);                              // ERF
    if (OP == 27u) return sqrt(v);                                // SQRT
    if (OP == 28u) {                                              // RSQRT
        precise float r = 1.0 / sqrt(v);
        return r;
    }
    if (OP == 26u) return log(v);                                 // LOG
    if (OP == SIN_OP) return sin(v);                              // SIN
    if (OP == COS_OP) return cos(v);                              // COS
    if (OP == 29u) return -v;                                     // NEG
    if (OP == 30u) return abs(v);                                 // ABS
    if (OP == 65u) return floor(v);                               // FLOOR
    return ceil(v);                                               // CEIL (66)
}

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[2]) return;
    if (OP == 18u) {   // LOGICAL_NOT: each byte 0 -> 1, nonzero -> 0
        uint w = ldu(pc.u[0], idx), r = 0u;
        for (uint b = 0u; b < 4u; b++) r |= (((w >> (8u * b)) & 0xffu) == 0u ? 1u : 0u) << (8u * b);
        arena_u[pc.u[1] + idx] = r;
        return;
    }
    arena[pc.u[1] + idx] = unary(ld(pc.u[0], idx));
}
