#version 450
// MAX_POOL2D (OP 0) and AVG_POOL2D (OP 1), NCHW, float32: one invocation per output
// element (plane, i, j) over the flattened 2-D grid (64 per workgroup). Only the taps of
// a window inside the image are visited (the C runtime's ember_window_taps), in (kh, kw)
// order. MAX: padding never wins (-inf; a window wholly in the padding gives -inf), a NaN
// wins. AVG: the sum in float32 (the C runtime sums in double) divided by the divisor if
// > 0, else by KH * KW with count_include_pad, else by the taps inside (0 / 0 = NaN).
//
// Push constants: u0 x ref, u1 y, u2 total (planes * OH * OW), u3 H, u4 W, u5 OH, u6 OW,
// u7 KH, u8 KW, u9 stride_h, u10 stride_w, u11 pad_top, u12 pad_left, u13 dilation_h,
// u14 dilation_w, u15 count_include_pad, u16 divisor.
#include "common.glsl"

// The taps k in [lo, hi) of a window starting at base (dilation d, k taps) inside [0, n).
void window_taps(int base, int n, int d, int k, out int lo, out int hi) {
    lo = base >= 0 ? 0 : (-base + d - 1) / d;
    hi = n - 1 - base < 0 ? 0 : (n - 1 - base) / d + 1;
    if (hi > k) hi = k;
    if (lo > hi) lo = hi;
}

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[2]) return;
    int H = int(pc.u[3]), W = int(pc.u[4]), OH = int(pc.u[5]), OW = int(pc.u[6]);
    int dh = int(pc.u[13]), dw = int(pc.u[14]);
    int j = int(idx % uint(OW)), t = int(idx / uint(OW));
    int i = t % OH, plane = t / OH;
    int rb = i * int(pc.u[9]) - int(pc.u[11]), qb = j * int(pc.u[10]) - int(pc.u[12]);
    int h0, h1, w0, w1;
    window_taps(rb, H, dh, int(pc.u[7]), h0, h1);
    window_taps(qb, W, dw, int(pc.u[8]), w0, w1);
    uint base = uint(plane) * uint(H) * uint(W);
    float result;
    if (OP == 0u) {
        float m = uintBitsToFloat(0xff800000u);   // -inf
        for (int kh = h0; kh < h1; kh++)
            for (int kw = w0; kw < w1; kw++) {
                float v = ld(pc.u[0], base + uint((rb + kh * dh) * W + qb + kw * dw));
                if (v > m || isnan(v)) m = v;
            }
        result = m;
    } else {
        float sum = 0.0;
        for (int kh = h0; kh < h1; kh++)
            for (int kw = w0; kw < w1; kw++) sum += ld(pc.u[0], base + uint((rb + kh * dh) * W + qb + kw * dw));
        int inside = (h1 - h0) * (w1 - w0);
        int divisor = int(pc.u[16]);
        float d = divisor > 0 ? float(divisor) : pc.u[15] != 0u ? float(pc.u[7]) * float(pc.u[8]) : float(inside);
        result = sum / d;
    }
    arena[pc.u[1] + idx] = result;
}
