#version 450
// CONV2D, NCHW, float32, direct: one invocation per output element (n, o, i, j), the
// outputs flattened in NCHW order over the 2-D grid (64 per workgroup, so a workgroup
// covers consecutive columns of one output plane and reads neighbouring inputs). Each
// output starts at its bias and adds its taps in (input channel, kh, kw) order, skipping
// taps in the zero padding (the C runtime's direct kernel's order), then + the fused
// residual, then the activation. Groups (depthwise included), stride, padding and
// dilation are push constants. No tiling yet: a register-blocked implicit GEMM is the
// next step for large convolutions.
//
// Push constants: u0 x ref, u1 w ref (O, C/groups, KH, KW), u2 bias ref or NONE,
// u3 residual ref or NONE, u4 y, u5 N, u6 C, u7 H, u8 W, u9 O, u10 OH, u11 OW, u12 KH,
// u13 KW, u14 stride_h, u15 stride_w, u16 pad_top, u17 pad_left, u18 dilation_h,
// u19 dilation_w, u20 groups, u21 activation, u22 total outputs.
#include "common.glsl"

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[22]) return;
    uint C = pc.u[6], H = pc.u[7], W = pc.u[8], O = pc.u[9], OH = pc.u[10], OW = pc.u[11];
    uint KH = pc.u[12], KW = pc.u[13], groups = pc.u[20];
    uint j = idx % OW, t = idx / OW;
    uint i = t % OH;
    t /= OH;
    uint o = t % O, n = t / O;
    uint cg = C / groups, og = O / groups, g = o / og;
    float acc = pc.u[2] != NONE ? ld(pc.u[2], o) : 0.0;
    for (uint c = 0u; c < cg; c++) {
        uint xbase = (n * C + g * cg + c) * H * W, wbase = (o * cg + c) * KH * KW;
        for (uint kh = 0u; kh < KH; kh++) {
            int r = int(i * pc.u[14] + kh * pc.u[18]) - int(pc.u[16]);
            if (r < 0 || r >= int(H)) continue;
            for (uint kw = 0u; kw < KW; kw++) {
                int col = int(j * pc.u[15] + kw * pc.u[19]) - int(pc.u[17]);
                if (col < 0 || col >= int(W)) continue;
                acc += ld(pc.u[1], wbase + kh * KW + kw) * ld(pc.u[0], xbase + uint(r) * W + uint(col));
            }
        }
    }
    if (pc.u[3] != NONE) acc = acc + ld(pc.u[3], idx);
    arena[pc.u[4] + idx] = activate(acc, pc.u[21]);
}
