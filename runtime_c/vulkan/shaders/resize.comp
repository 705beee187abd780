#version 450
// RESIZE_NEAREST (OP 52) and RESIZE_BILINEAR (OP 53), NCHW, float32: one invocation per
// output element (plane, i, j) over the flattened 2-D grid (64 per workgroup), the C
// runtime's formulas in float32 with its scales (computed on the host: the option, or
// in / out rounded to float32; (in - 1) / (out - 1) with align_corners).
//   NEAREST: source min(floor(i * scale), in - 1) per axis.
//   BILINEAR: source (i + 0.5) * scale - 0.5 clamped at 0 (i * ratio with align_corners),
//   i0 = min(floor(src), in - 1), i1 = min(i0 + 1, in - 1), frac = src - i0; top and bottom
//   rows first across the columns, then between them; `precise`: no fused multiply-add.
//
// Push constants: u0 x ref, u1 y, u2 total, u3 H, u4 W, u5 OH, u6 OW, u7 scale_h, u8 scale_w
// (float bits), u9 align_corners.
#include "common.glsl"

void source(uint d, float scale, uint n, out uint i0, out uint i1, out float frac) {
    precise float src;
    if (pc.u[9] != 0u) src = float(d) * scale;
    else {
        src = (float(d) + 0.5) * scale - 0.5;
        src = src > 0.0 ? src : 0.0;
    }
    float fl = floor(src);
    i0 = fl < float(n - 1u) ? uint(fl) : n - 1u;
    i1 = i0 + 1u < n ? i0 + 1u : n - 1u;
    precise float f = src - float(i0);
    frac = f;
}

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[2]) return;
    uint H = pc.u[3], W = pc.u[4], OH = pc.u[5], OW = pc.u[6];
    uint j = idx % OW, t = idx / OW, i = t % OH, plane = t / OH, base = plane * H * W;
    float sh = uintBitsToFloat(pc.u[7]), sw = uintBitsToFloat(pc.u[8]);
    if (OP == 52u) {
        float fh = floor(float(i) * sh), fw = floor(float(j) * sw);
        uint r = fh < float(H - 1u) ? uint(fh) : H - 1u, c = fw < float(W - 1u) ? uint(fw) : W - 1u;
        arena[pc.u[1] + idx] = ld(pc.u[0], base + r * W + c);
        return;
    }
    uint h0, h1, w0, w1;
    float fh, fw;
    source(i, sh, H, h0, h1, fh);
    source(j, sw, W, w0, w1, fw);
    precise float top = ld(pc.u[0], base + h0 * W + w0) * (1.0 - fw) + ld(pc.u[0], base + h0 * W + w1) * fw;
    precise float bottom = ld(pc.u[0], base + h1 * W + w0) * (1.0 - fw) + ld(pc.u[0], base + h1 * W + w1) * fw;
    precise float v = top * (1.0 - fh) + bottom * fh;
    arena[pc.u[1] + idx] = v;
}
