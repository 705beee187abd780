#version 450
// FULLY_CONNECTED, float32: y[r, n] = act(sum_k x[r, k] * w[n, k] + bias[n]).
//
// Workgroup: 64 invocations, one output column n each, all on one row r of x (grid x:
// ceil(N / 64) column tiles; grid y, z: the rows). Tiling: the row's x is staged through
// shared memory 64 values of K at a time, so each x value is read from the buffer once per
// workgroup; the weight is read once per output. OP (spec constant 0): 0 = the weight is
// stored transposed, (K, N), so the 64 invocations read 64 consecutive floats (constant
// weights are uploaded so, a PANELS16 weight unpacked on the host); 1 = (N, K) row-major
// (a weight computed in the arena). Sums run in k order in float32.
//
// Push constants: u0 x ref, u1 w ref, u2 bias ref or NONE, u3 y (arena element offset),
// u4 rows, u5 K, u6 N, u7 activation.
#include "common.glsl"

shared float xs[64];

void main() {
    uint rows = pc.u[4], K = pc.u[5], N = pc.u[6];
    uint r = gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y;
    uint n = gl_WorkGroupID.x * 64u + gl_LocalInvocationID.x;
    if (r >= rows) return;   // the whole workgroup: barriers stay in uniform control flow
    float acc = 0.0;
    for (uint k0 = 0u; k0 < K; k0 += 64u) {
        uint k = k0 + gl_LocalInvocationID.x;
        xs[gl_LocalInvocationID.x] = k < K ? ld(pc.u[0], r * K + k) : 0.0;
        barrier();
        uint kn = min(64u, K - k0);
        if (n < N) {
            if (OP == 0u)
                for (uint kk = 0u; kk < kn; kk++) acc += xs[kk] * ld(pc.u[1], (k0 + kk) * N + n);
            else
                for (uint kk = 0u; kk < kn; kk++) acc += xs[kk] * ld(pc.u[1], n * K + k0 + kk);
        }
        barrier();
    }
    if (n < N) {
        float b = pc.u[2] != NONE ? ld(pc.u[2], n) : 0.0;
        arena[pc.u[3] + r * N + n] = activate(acc + b, pc.u[7]);
    }
}
