#version 450
// WHERE: y = condition ? a : b with numpy broadcasting of all three (rank <= 6), condition
// BOOL (a nonzero byte is true), a, b and y float32 (or any 4-byte dtype: copied as bits).
// One invocation per output element over the flattened 2-D grid (64 per workgroup).
//
// Push constants: u0 condition ref, u1 a ref, u2 b ref, u3 y, u4 total, u5 rank, u6..u11
// output shape, u12..u17 condition's strides, u18..u23 a's, u24..u29 b's (elements, 0 where
// broadcast).
#include "common.glsl"

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[4]) return;
    uint rem = idx, ic = 0u, ia = 0u, ib = 0u;
    for (int d = int(pc.u[5]) - 1; d >= 0; d--) {
        uint size = pc.u[6 + d], c = rem % size;
        rem /= size;
        ic += c * pc.u[12 + d];
        ia += c * pc.u[18 + d];
        ib += c * pc.u[24 + d];
    }
    arena_u[pc.u[3] + idx] = ldb(pc.u[0], ic) != 0u ? ldu(pc.u[1], ia) : ldu(pc.u[2], ib);
}
