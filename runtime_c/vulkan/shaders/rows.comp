#version 450
// SOFTMAX (OP 33) and LAYER_NORM (OP 35), float32: one workgroup of 64 per row (the rows
// over the 2-D grid of workgroups). A row is `len` elements at stride `inner` (x seen as
// (outer, len, inner) around the axis; LAYER_NORM's rows are contiguous). Each invocation
// takes the elements j = lane, lane + 64, ... of the row; the partial results meet in a
// shared-memory tree (32, 16, ..., 1: a fixed order, so every run gives the same bits).
//   SOFTMAX: the row's max (a NaN wins), then exp(x - max) by the C runtime's polynomial
//   (vmath.glsl), summed in float32 (the C runtime sums in double: a few ulp), then each
//   exp divided by the sum. A row of -inf, +inf or NaN gives NaN, as the C runtime.
//   LAYER_NORM: the mean, then the biased variance of x - mean (two passes), then
//   (x - mean) / sqrt(var + epsilon) * weight + bias, in float32 (the C runtime in double).
//
// Push constants: u0 x ref, u1 y, u2 rows, u3 len, u4 inner, u5 weight ref or NONE,
// u6 bias ref or NONE, u7 epsilon (float bits).
#include "common.glsl"
#include "vmath.glsl"

shared float red[64];

// The tree over the 64 lanes' values: the sum (max = false) or the max (a NaN wins).
float reduce64(float v, bool max) {
    uint lane = gl_LocalInvocationID.x;
    red[lane] = v;
    barrier();
    for (uint s = 32u; s > 0u; s >>= 1u) {
        if (lane < s) {
            float a = red[lane], b = red[lane + s];
            red[lane] = max ? (b > a || isnan(b) ? b : a) : a + b;
        }
        barrier();
    }
    float r = red[0];
    barrier();
    return r;
}

void main() {
    uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x, lane = gl_LocalInvocationID.x;
    if (row >= pc.u[2]) return;   // the whole workgroup: barriers stay in uniform control flow
    uint len = pc.u[3], inner = pc.u[4];
    uint base = (row / inner) * len * inner + row % inner;
    if (OP == 33u) {
        float m = uintBitsToFloat(0xff800000u);
        for (uint j = lane; j < len; j += 64u) {
            float v = ld(pc.u[0], base + j * inner);
            if (v > m || isnan(v)) m = v;
        }
        m = reduce64(m, true);
        float s = 0.0;
        for (uint j = lane; j < len; j += 64u) s += vm_exp(ld(pc.u[0], base + j * inner) - m);
        s = reduce64(s, false);
        for (uint j = lane; j < len; j += 64u) {
            precise float e = vm_exp(ld(pc.u[0], base + j * inner) - m) / s;
            arena[pc.u[1] + base + j * inner] = e;
        }
        return;
    }
    float s = 0.0;
    for (uint j = lane; j < len; j += 64u) s += ld(pc.u[0], base + j);
    float mean = reduce64(s, false) / float(len);
    float q = 0.0;
    for (uint j = lane; j < len; j += 64u) {
        float d = ld(pc.u[0], base + j) - mean;
        q += d * d;
    }
    precise float denom = sqrt(reduce64(q, false) / float(len) + uintBitsToFloat(pc.u[7]));
    for (uint j = lane; j < len; j += 64u) {
        precise float v = (ld(pc.u[0], base + j) - mean) / denom;
        if (pc.u[5] != NONE) v = v * ld(pc.u[5], j);
        if (pc.u[6] != NONE) v = v + ld(pc.u[6], j);
        arena[pc.u[1] + base + j] = v;
    }
}
