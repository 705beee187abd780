#version 450
// ADD / SUB / MUL / DIV (OP 0..3), float32, numpy broadcasting, then the fused
// activation: one invocation per output element over the flattened 2-D grid (64 per
// workgroup). The output index is split into coordinates (rank <= 8) and each operand's
// element found through its broadcast strides (0 on a broadcast dimension).
//
// Push constants: u0 a ref, u1 b ref, u2 y, u3 total, u4 activation, u5 rank,
// u6..u13 output shape, u14..u21 a's strides, u22..u29 b's strides (elements).
#include "common.glsl"

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[3]) return;
    uint rem = idx, ia = 0u, ib = 0u;
    for (int d = int(pc.u[5]) - 1; d >= 0; d--) {
        uint size = pc.u[6 + d], c = rem % size;
        rem /= size;
        ia += c * pc.u[14 + d];
        ib += c * pc.u[22 + d];
    }
    float a = ld(pc.u[0], ia), b = ld(pc.u[1], ib), v;
    if (OP == 0u) v = a + b;
    else if (OP == 1u) v = a - b;
    else if (OP == 2u) v = a * b;
    else v = a / b;
    arena[pc.u[2] + idx] = activate(v, pc.u[4]);
}
