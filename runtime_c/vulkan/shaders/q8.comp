#version 450
// Static int8 (schema/README.md "Integer arithmetic"): the same integers as the C runtime's
// kernels (runtime_c/src/ops/int8/, fixed.h), one output element per invocation over the
// flattened 2-D grid (one row per invocation for SOFTMAX). INT8 tensors are bytes through
// 8-bit storage buffers (VK_KHR_8bit_storage) aliasing the arena, constants and state
// bindings; accumulators and the fixed-point steps are int64 (shaderInt64). A tensor
// reference is a word offset, as in common.glsl: its first byte is 4 * offset.
//
// An int8 operator's quantization is a block of words in the constants at u[qref] (below
// `Q`): [0] input 0's zero point, [1] input 1's, [2] the output's, [3] act_min, [4] act_max,
// [5] left_shift, [6] fill, [7] n, then n (multiplier, shift) pairs from word 8.
//
// OP (specialisation constant 0) and its push constants:
//   0 QUANTIZE    y = clamp(clamp(rint(x / scale), -512, 512) + zp, -128, 127), x / scale the
//                 correctly rounded float32 quotient (computed exactly in integers, not with
//                 the device's division), NaN -> zp: u0 x, u1 y, u2 total, u3 scale bits, u4 zp
//   1 DEQUANTIZE  y = float(x - zp) * scale: u0 x, u1 y, u2 total, u3 scale bits, u4 zp
//   2 CONV2D      conv2d.comp's u0..u22 (no residual), u23 qref
//   3 FULLY_CONNECTED  u0 x, u1 w (N, K), u2 bias, u3 y, u4 rows, u5 K, u6 N, u7 qref, u8 total
//   4 BATCH_MATMUL  u0 a, u1 b, u3 y, u4 M, u5 K, u6 N, u7 qref, u8 batch rank, u9..u14 batch
//                 sizes, u15..u20 a's batch strides, u21..u26 b's, u27 total
//   5 ADD / SUB, 6 MUL  binary.comp's u0..u30 with u4 qref; u31 the sign (1 ADD, -1 SUB)
//   7 table lookup  y = table[x + 128]: u0 x, u1 table, u2 y, u3 total
//   8 MAX_POOL2D, 9 AVG_POOL2D  pool2d.comp's u0..u16, u17 qref
//   10 REDUCE_MEAN  reduce.comp's layout (u0..), u31 qref
//   11 CONCAT input t: copy.comp's OP 1 (u0..u5), u6 qref, u7 t, u8 its zero point, u9 1 to
//                 requantize (else the bytes are copied)
//   12 SOFTMAX    one row per invocation: u0 x, u1 table (INT32), u2 y, u3 rows, u4 len,
//                 u5 inner, u6 zy
//   13 strided byte gather (PERMUTE, SLICE, EXPAND), 14 PAD (byte fill), 15 GATHER: copy.comp's
//                 OP 0, 2 and 3 layouts on bytes
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#include "common.glsl"

layout(std430, set = 0, binding = 0) buffer Arena8 { int8_t arena8[]; };
layout(std430, set = 0, binding = 1) readonly buffer Constants8 { int8_t consts8[]; };
layout(std430, set = 0, binding = 2) buffer State8 { int8_t state8[]; };

const int64_t I32_MIN = -2147483648l, I32_MAX = 2147483647l;

// Byte i of the tensor at ref, sign-extended.
int ld8(uint ref, uint i) {
    if ((ref & CONST_BIT) != 0u) return int(consts8[(ref & ~CONST_BIT) * 4u + i]);
    if ((ref & STATE_BIT) != 0u) return int(state8[(ref & ~STATE_BIT) * 4u + i]);
    return int(arena8[ref * 4u + i]);
}

void st8(uint ref, uint i, int v) {
    arena8[ref * 4u + i] = int8_t(v);
}

// The push constant holding the quantization block's word offset, per OP.
const uint QREF = OP == 2u ? 23u : OP == 3u ? 7u : OP == 4u ? 7u : OP == 5u || OP == 6u ? 4u
                : OP == 8u || OP == 9u ? 17u : OP == 10u ? 31u : OP == 11u ? 6u : 0u;

int qw(uint i) { return int(consts_u[pc.u[QREF] + i]); }

// ---- the fixed-point steps of fixed.h -----------------------------------------------
int64_t sat32(int64_t x) { return x < I32_MIN ? I32_MIN : x > I32_MAX ? I32_MAX : x; }

int srdhm(int a, int b) {
    if (a == int(0x80000000u) && b == int(0x80000000u)) return int(I32_MAX);
    int64_t ab = int64_t(a) * int64_t(b);
    int64_t v = ab + (ab >= 0l ? (1l << 30) : 1l - (1l << 30));
    return int(v >= 0l ? v >> 31 : -((-v) >> 31));
}

// x / 2^e rounded half away from zero, in 32 bits as _fixed.py and fixed.h's vector rows:
// floor (an arithmetic shift) plus one when the remainder exceeds half (or equals it, x >= 0).
// Not in int64: lavapipe evaluated `int64_t(x) < 0l` as false for a negative int x (a sign
// extension compared with zero), so negative ties rounded toward zero - one step off.
int rdpot(int x, int e) {
    if (e == 0) return x;
    int mask = int((1u << uint(e)) - 1u);                // e in [1, 31]
    int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + ((x & mask) > threshold ? 1 : 0);
}

int mbqm(int64_t x, int m, int s) {
    int left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
    int64_t shifted = sat32(x) * (1l << left);
    return rdpot(srdhm(int(sat32(shifted)), m), right);
}

int requantize(int64_t acc, int m, int s, int zp, int lo, int hi) {
    int64_t v = int64_t(mbqm(acc, m, s)) + int64_t(zp);
    return int(v < int64_t(lo) ? int64_t(lo) : v > int64_t(hi) ? int64_t(hi) : v);
}

// Multiplier pair i of the block.
int qm(uint i) { return qw(8u + 2u * i); }
int qs(uint i) { return qw(9u + 2u * i); }

int64_t round_div(int64_t x, int64_t n) {
    return x >= 0l ? (x + n / 2l) / n : -((-x + n / 2l) / n);
}

// ---- QUANTIZE's quotient ----------------------------------------------------------------
// clamp(rint(fl(x / s)), -512, 512) for a finite x and a normal s > 0 (a scale), fl the
// correctly rounded float32 division (round to nearest even) as the C runtime's: the
// significands divided in int64 (40 quotient bits and a remainder), rounded to 24 bits.
// |x / s| >= 2048 gives +-512 at once, below 1/4 gives 0 (x subnormal: 0 for s >= 2^-100).
float quotient_rint(float x, float s) {
    uint bx = floatBitsToUint(x), bs = floatBitsToUint(s);
    int ex = int((bx >> 23) & 0xffu), es = int((bs >> 23) & 0xffu);
    if (ex == 0) return 0.0;
    float sign = (bx & 0x80000000u) != 0u ? -1.0 : 1.0;
    if (ex == 255) return 512.0 * sign;                  // +-inf (NaN is the caller's)
    int64_t mx = int64_t((bx & 0x7fffffu) | 0x800000u), ms = int64_t((bs & 0x7fffffu) | 0x800000u);
    int64_t a = mx << 39, r = a / ms, rem = a - r * ms;  // r in (2^38, 2^40)
    int e = ex - es - 39;                                // x / s = (r + rem / ms) * 2^e
    int nb = r >= (1l << 39) ? 40 : 39;
    if (nb - 1 + e >= 11) return 512.0 * sign;           // >= 2048
    if (nb - 1 + e < -2) return 0.0;                     // < 1/4
    int drop = nb - 24;
    int64_t M = r >> drop, low = r & ((1l << drop) - 1l), halfway = 1l << (drop - 1);
    if (low > halfway || (low == halfway && (rem != 0l || (M & 1l) == 1l))) M += 1l;
    int exp2 = e + drop;                                 // fl = M * 2^exp2, M <= 2^24
    if (M == (1l << 24)) M = 1l << 23, exp2 += 1;
    float v = uintBitsToFloat(uint(exp2 + 23 + 127) << 23 | (uint(M) & 0x7fffffu));
    v = roundEven(v);
    return sign * min(v, 512.0);
}

// ---- the ops -------------------------------------------------------------------------------

void conv2d(uint idx) {
    uint C = pc.u[6], H = pc.u[7], W = pc.u[8], O = pc.u[9], OH = pc.u[10], OW = pc.u[11];
    uint KH = pc.u[12], KW = pc.u[13], groups = pc.u[20];
    uint j = idx % OW, t = idx / OW;
    uint i = t % OH;
    t /= OH;
    uint o = t % O, n = t / O;
    uint cg = C / groups, og = O / groups, g = o / og;
    int zx = qw(0u);
    int64_t acc = 0l;
    for (uint c = 0u; c < cg; c++) {
        uint xbase = (n * C + g * cg + c) * H * W, wbase = (o * cg + c) * KH * KW;
        for (uint kh = 0u; kh < KH; kh++) {
            int r = int(i * pc.u[14] + kh * pc.u[18]) - int(pc.u[16]);
            if (r < 0 || r >= int(H)) continue;
            int row = 0;
            for (uint kw = 0u; kw < KW; kw++) {
                int col = int(j * pc.u[15] + kw * pc.u[19]) - int(pc.u[17]);
                if (col < 0 || col >= int(W)) continue;
                row += (ld8(pc.u[0], xbase + uint(r) * W + uint(col)) - zx) * ld8(pc.u[1], wbase + kh * KW + kw);
            }
            acc += int64_t(row);                         // |row| <= KW * 255 * 128
        }
    }
    if (pc.u[2] != NONE) acc += int64_t(int(ldu(pc.u[2], o)));
    uint qi = uint(qw(7u)) == 1u ? 0u : o;
    st8(pc.u[4], idx, requantize(acc, qm(qi), qs(qi), qw(2u), qw(3u), qw(4u)));
}

void fully_connected(uint idx) {
    uint K = pc.u[5], N = pc.u[6];
    uint nn = idx % N, r = idx / N;
    int zx = qw(0u);
    int64_t acc = pc.u[2] != NONE ? int64_t(int(ldu(pc.u[2], nn))) : 0l;
    for (uint k = 0u; k < K; k++) acc += int64_t((ld8(pc.u[0], r * K + k) - zx) * ld8(pc.u[1], nn * K + k));
    uint qi = uint(qw(7u)) == 1u ? 0u : nn;
    st8(pc.u[3], idx, requantize(acc, qm(qi), qs(qi), qw(2u), qw(3u), qw(4u)));
}

void batch_matmul(uint idx) {
    uint M = pc.u[4], K = pc.u[5], N = pc.u[6];
    uint nn = idx % N, t = idx / N, m = t % M, z = t / M;
    uint rem = z, oa = 0u, ob = 0u;
    for (int d = int(pc.u[8]) - 1; d >= 0; d--) {
        uint size = pc.u[9 + d], c = rem % size;
        rem /= size;
        oa += c * pc.u[15 + d];
        ob += c * pc.u[21 + d];
    }
    int za = qw(0u), zb = qw(1u);
    int64_t acc = 0l;
    for (uint k = 0u; k < K; k++)
        acc += int64_t((ld8(pc.u[0], oa + m * K + k) - za) * (ld8(pc.u[1], ob + k * N + nn) - zb));
    st8(pc.u[3], idx, requantize(acc, qm(0u), qs(0u), qw(2u), qw(3u), qw(4u)));
}

void binary(uint idx) {
    uint rem = idx, ia = 0u, ib = 0u;
    for (int d = int(pc.u[5]) - 1; d >= 0; d--) {
        uint size = pc.u[6 + d], c = rem % size;
        rem /= size;
        ia += c * pc.u[14 + d];
        ib += c * pc.u[22 + d];
    }
    int a = ld8(pc.u[0], ia) - qw(0u), b = ld8(pc.u[1], ib) - qw(1u);
    int v;
    if (OP == 6u) {
        v = requantize(int64_t(a * b), qm(0u), qs(0u), qw(2u), qw(3u), qw(4u));
    } else {
        int scale = 1 << qw(5u);
        int a1 = mbqm(int64_t(a * scale), qm(0u), qs(0u)), b1 = mbqm(int64_t(b * scale), qm(1u), qs(1u));
        int64_t sum = sat32(int64_t(a1) + int64_t(int(pc.u[31])) * int64_t(b1));
        v = requantize(sum, qm(2u), qs(2u), qw(2u), qw(3u), qw(4u));
    }
    st8(pc.u[2], idx, v);
}

void window_taps(int base, int n, int d, int k, out int lo, out int hi) {
    lo = base >= 0 ? 0 : (-base + d - 1) / d;
    hi = n - 1 - base < 0 ? 0 : (n - 1 - base) / d + 1;
    if (hi > k) hi = k;
    if (lo > hi) lo = hi;
}

void pool2d(uint idx) {
    int H = int(pc.u[3]), W = int(pc.u[4]), OH = int(pc.u[5]), OW = int(pc.u[6]);
    int dh = int(pc.u[13]), dw = int(pc.u[14]);
    int j = int(idx % uint(OW)), t = int(idx / uint(OW));
    int i = t % OH, plane = t / OH;
    int rb = i * int(pc.u[9]) - int(pc.u[11]), qb = j * int(pc.u[10]) - int(pc.u[12]);
    int h0, h1, w0, w1;
    window_taps(rb, H, dh, int(pc.u[7]), h0, h1);
    window_taps(qb, W, dw, int(pc.u[8]), w0, w1);
    uint base = uint(plane) * uint(H) * uint(W);
    int zx = qw(0u);
    int64_t v;
    if (OP == 8u) {
        int64_t best = -(1l << 40);
        for (int kh = h0; kh < h1; kh++)
            for (int kw = w0; kw < w1; kw++)
                best = max(best, int64_t(ld8(pc.u[0], base + uint((rb + kh * dh) * W + qb + kw * dw))));
        v = best - int64_t(zx);
    } else {
        int64_t sum = 0l;
        for (int kh = h0; kh < h1; kh++)
            for (int kw = w0; kw < w1; kw++) sum += int64_t(ld8(pc.u[0], base + uint((rb + kh * dh) * W + qb + kw * dw)) - zx);
        int64_t inside = int64_t((h1 - h0) * (w1 - w0));
        int divisor = int(pc.u[16]);
        int64_t count = divisor > 0 ? int64_t(divisor) : pc.u[15] != 0u ? int64_t(pc.u[7]) * int64_t(pc.u[8]) : inside;
        v = count > 0l ? round_div(sum, count) : 0l;
    }
    st8(pc.u[1], idx, requantize(v, qm(0u), qs(0u), qw(2u), -128, 127));
}

uint base_of(uint o) {
    uint nk = pc.u[5], rem = o, base = 0u;
    for (int d = int(nk) - 1; d >= 0; d--) {
        uint size = pc.u[7 + d], c = rem % size;
        rem /= size;
        base += c * pc.u[7 + nk + d];
    }
    return base;
}

uint red_offset(uint r) {
    uint nk = pc.u[5], nr = pc.u[6], at = 7u + 2u * nk, rem = r, off = 0u;
    for (int d = int(nr) - 1; d >= 0; d--) {
        uint size = pc.u[at + d], c = rem % size;
        rem /= size;
        off += c * pc.u[at + nr + d];
    }
    return off;
}

void reduce_mean(uint idx) {
    uint base = base_of(idx), count = pc.u[4];
    int zx = qw(0u);
    int64_t sum = 0l;
    for (uint r = 0u; r < count; r++) sum += int64_t(ld8(pc.u[0], base + red_offset(r)) - zx);
    int64_t mean = count > 0u ? round_div(sum, int64_t(count)) : 0l;
    st8(pc.u[1], idx, requantize(mean, qm(0u), qs(0u), qw(2u), -128, 127));
}

void softmax(uint row) {
    uint len = pc.u[4], inner = pc.u[5];
    uint base = (row / inner) * len * inner + row % inner;
    int mx = -128;
    for (uint j = 0u; j < len; j++) mx = max(mx, ld8(pc.u[0], base + j * inner));
    int64_t total = 0l;
    for (uint j = 0u; j < len; j++) total += int64_t(int(ldu(pc.u[1], uint(ld8(pc.u[0], base + j * inner) - mx + 255))));
    int zy = int(pc.u[6]);
    for (uint j = 0u; j < len; j++) {
        int64_t e = int64_t(int(ldu(pc.u[1], uint(ld8(pc.u[0], base + j * inner) - mx + 255))));
        int64_t v = (e * 256l + total / 2l) / total + int64_t(zy);
        st8(pc.u[2], base + j * inner, int(clamp(v, -128l, 127l)));
    }
}

void strided(uint idx) {
    uint rem = idx, off = pc.u[4];
    for (int d = int(pc.u[3]) - 1; d >= 0; d--) {
        uint size = pc.u[5 + d], c = rem % size;
        rem /= size;
        off += c * pc.u[13 + d];
    }
    st8(pc.u[1], idx, ld8(pc.u[0], off));
}

void pad(uint idx) {
    uint rem = idx, off = 0u, stride = 1u;
    bool inside = true;
    for (int d = int(pc.u[3]) - 1; d >= 0; d--) {
        uint size = pc.u[5 + d], c = rem % size, in_size = pc.u[21 + d];
        rem /= size;
        int xc = int(c) - int(pc.u[13 + d]);
        inside = inside && xc >= 0 && xc < int(in_size);
        off += uint(xc) * stride;
        stride *= in_size;
    }
    st8(pc.u[1], idx, inside ? ld8(pc.u[0], off) : int(pc.u[4]));
}

void gather(uint idx) {
    uint inner = pc.u[5], m = pc.u[4], n = pc.u[6];
    uint i = idx % inner, t = idx / inner, j = t % m, o = t / m;
    uint lo = ldu(pc.u[1], pc.u[7] != 0u ? 2u * j : j);
    uint hi = pc.u[7] != 0u ? ldu(pc.u[1], 2u * j + 1u) : (int(lo) < 0 ? 0xffffffffu : 0u);
    int k = int(lo);
    bool ok = (hi == 0u && lo < n) || (hi == 0xffffffffu && k < 0 && k >= -int(n));
    if (!ok) {
        atomicMin(arena_u[pc.u[8]], pc.u[9]);
        st8(pc.u[2], idx, 0);
        return;
    }
    uint kk = k < 0 ? uint(k + int(n)) : uint(k);
    st8(pc.u[2], idx, ld8(pc.u[0], (o * n + kk) * inner + i));
}

void main() {
    uint idx = flat_index();
    if (OP == 12u) {
        if (idx < pc.u[3]) softmax(idx);
        return;
    }
    if (OP == 15u) {
        if (idx < pc.u[3]) gather(idx);
        return;
    }
    if (OP == 2u) {
        if (idx < pc.u[22]) conv2d(idx);
        return;
    }
    if (OP == 3u) {
        if (idx < pc.u[8]) fully_connected(idx);
        return;
    }
    if (OP == 4u) {
        if (idx < pc.u[27]) batch_matmul(idx);
        return;
    }
    if (OP == 5u || OP == 6u) {
        if (idx < pc.u[3]) binary(idx);
        return;
    }
    if (OP == 8u || OP == 9u) {
        if (idx < pc.u[2]) pool2d(idx);
        return;
    }
    if (OP == 10u) {
        if (idx < pc.u[2]) reduce_mean(idx);
        return;
    }
    if (OP == 7u) {
        if (idx < pc.u[3]) st8(pc.u[2], idx, ld8(pc.u[1], uint(ld8(pc.u[0], idx) + 128)));
        return;
    }
    if (idx >= pc.u[2]) return;
    if (OP == 0u) {
        float x = ld(pc.u[0], idx);
        int zp = int(pc.u[4]), q = isnan(x) ? zp : int(quotient_rint(x, uintBitsToFloat(pc.u[3]))) + zp;
        st8(pc.u[1], idx, clamp(q, -128, 127));
    } else if (OP == 1u) {
        precise float v = float(ld8(pc.u[0], idx) - int(pc.u[4])) * uintBitsToFloat(pc.u[3]);
        arena[pc.u[1] + idx] = v;
    } else if (OP == 11u) {
        uint row = pc.u[3];
        int v = ld8(pc.u[0], idx);
        if (pc.u[9] != 0u) v = requantize(int64_t(v - int(pc.u[8])), qm(pc.u[7]), qs(pc.u[7]), qw(2u), -128, 127);
        st8(pc.u[1], (idx / row) * pc.u[4] + pc.u[5] + idx % row, v);
    } else if (OP == 13u) {
        strided(idx);
    } else if (OP == 14u) {
        pad(idx);
    }
}
