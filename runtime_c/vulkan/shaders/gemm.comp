#version 450
// BATCH_MATMUL and FULLY_CONNECTED, float32: y[z] = act(a[z] b[z] + bias), a (M, K) and
// b (K, N) per batch z (OP 0), or b stored (N, K) (OP 1: a FULLY_CONNECTED weight computed
// in the arena; a constant weight is uploaded transposed to (K, N) and runs as OP 0).
//
// Register-blocked tiles: a workgroup of 64 invocations (8 x 8) computes a 32 x 32 tile of
// y, each invocation a 4 x 4 block (rows ty + 8i, columns tx + 8j: the 64 stores of a row
// are adjacent); K advances 16 at a time through two shared-memory tiles (a: 32 x 16,
// b: 16 x 32, 4 KiB), each invocation loading 8 values of each. Grid: x ceil(N / 32),
// y ceil(M / 32), z the batches. Each output sums in k order in float32 (the C runtime's
// blocked GEMM sums in another order: allclose 1e-5 for unit-scale data and K in the
// hundreds). Batch dimensions broadcast through strides (0 on a broadcast dimension).
//
// Push constants: u0 a ref, u1 b ref, u2 bias ref or NONE, u3 y, u4 M, u5 K, u6 N,
// u7 activation, u8 batch rank (<= 6), u9..u14 batch sizes, u15..u20 a's batch strides,
// u21..u26 b's batch strides (elements).
#include "common.glsl"

shared float as_[32 * 16];
shared float bs_[16 * 32];

void main() {
    uint M = pc.u[4], K = pc.u[5], N = pc.u[6];
    uint lane = gl_LocalInvocationID.x, tx = lane % 8u, ty = lane / 8u;
    uint m0 = gl_WorkGroupID.y * 32u, n0 = gl_WorkGroupID.x * 32u, z = gl_WorkGroupID.z;
    uint rem = z, oa = 0u, ob = 0u;
    for (int d = int(pc.u[8]) - 1; d >= 0; d--) {
        uint size = pc.u[9 + d], c = rem % size;
        rem /= size;
        oa += c * pc.u[15 + d];
        ob += c * pc.u[21 + d];
    }
    float acc[4][4];
    for (uint i = 0u; i < 4u; i++)
        for (uint j = 0u; j < 4u; j++) acc[i][j] = 0.0;
    for (uint k0 = 0u; k0 < K; k0 += 16u) {
        for (uint t = 0u; t < 8u; t++) {
            uint e = lane + 64u * t;                 // 0..511
            uint am = e / 16u, ak = e % 16u;         // a tile: (32, 16)
            uint m = m0 + am, k = k0 + ak;
            as_[e] = m < M && k < K ? ld(pc.u[0], oa + m * K + k) : 0.0;
            uint bk = e / 32u, bn = e % 32u;         // b tile: (16, 32)
            uint kb = k0 + bk, n = n0 + bn;
            float bv = 0.0;
            if (kb < K && n < N) bv = OP == 0u ? ld(pc.u[1], ob + kb * N + n) : ld(pc.u[1], ob + n * K + kb);
            bs_[e] = bv;
        }
        barrier();
        uint kn = min(16u, K - k0);
        for (uint kk = 0u; kk < kn; kk++) {
            float a[4], b[4];
            for (uint i = 0u; i < 4u; i++) a[i] = as_[(ty + 8u * i) * 16u + kk];
            for (uint j = 0u; j < 4u; j++) b[j] = bs_[kk * 32u + tx + 8u * j];
            for (uint i = 0u; i < 4u; i++)
                for (uint j = 0u; j < 4u; j++) acc[i][j] += a[i] * b[j];
        }
        barrier();
    }
    for (uint i = 0u; i < 4u; i++) {
        uint m = m0 + ty + 8u * i;
        if (m >= M) continue;
        for (uint j = 0u; j < 4u; j++) {
            uint n = n0 + tx + 8u * j;
            if (n >= N) continue;
            float v = acc[i][j] + (pc.u[2] != NONE ? ld(pc.u[2], n) : 0.0);
            arena[pc.u[3] + z * M * N + m * N + n] = activate(v, pc.u[7]);
        }
    }
}
