#version 450
// Data movement of 4-byte elements (float32, int32: copied as bits), one invocation per
// output element (per word for FULL) over the flattened 2-D grid (64 per workgroup):
//   OP 0, a strided gather (PERMUTE, SLICE, EXPAND): y[i] = x[base + sum_d c_d * s_d] with
//     c the coordinates of i in y's shape (rank <= 8) and s x's stride along each of y's
//     dimensions (permuted, times the slice step, 0 where broadcast).
//     u0 x, u1 y, u2 total, u3 rank, u4 base, u5..u12 y's shape, u13..u20 strides.
//   OP 1, one input of a CONCAT: x seen as (outer, row) goes to y's columns [at, at + row)
//     of (outer, y_row): u0 x, u1 y, u2 total (outer * row), u3 row, u4 y_row, u5 at.
//   OP 2, PAD (constant): y[c] = x[c - before] inside x, else the value: u0 x, u1 y, u2 total,
//     u3 rank, u4 value (bits), u5..u12 y's shape, u13..u20 pads before, u21..u28 x's shape.
//   OP 3, GATHER: y (outer, m, inner) from data (outer, n, inner) at indices (m) INT32 or
//     INT64 (two words, low first); an index in [-n, 0) counts from the end; one outside
//     [-n, n) writes 0 there and the smallest such operator index into the status word
//     (the run then fails, as the C runtime's): u0 data, u1 indices, u2 y, u3 total, u4 m,
//     u5 inner, u6 n, u7 1 for INT64, u8 the status word (arena word), u9 operator index.
//   OP 4, FULL: every word of y is u3 (float bits, or four BOOL bytes): u1 y, u2 words.
//   OP 5, INDEX_COPY into a state tensor, words of src (outer, n, inner) to dst (outer, d,
//     inner) at positions (n) INT32 or INT64: each invocation first checks every position
//     (one outside [0, d) writes the operator index into the status word, and nothing is
//     written: the run fails, the state unchanged), skips its element when a later
//     position repeats its own (the last one wins, as on the CPU), then writes it:
//     u0 src, u1 positions, u2 dst, u3 total, u4 n, u5 inner (words), u6 d, u7 1 for
//     INT64, u8 the status word, u9 operator index.
#include "common.glsl"

void strided(uint idx) {
    uint rem = idx, off = pc.u[4];
    for (int d = int(pc.u[3]) - 1; d >= 0; d--) {
        uint size = pc.u[5 + d], c = rem % size;
        rem /= size;
        off += c * pc.u[13 + d];
    }
    arena_u[pc.u[1] + idx] = ldu(pc.u[0], off);
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
    arena_u[pc.u[1] + idx] = inside ? ldu(pc.u[0], off) : pc.u[4];
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
        arena_u[pc.u[2] + idx] = 0u;
        return;
    }
    uint kk = k < 0 ? uint(k + int(n)) : uint(k);
    arena_u[pc.u[2] + idx] = ldu(pc.u[0], (o * n + kk) * inner + i);
}

int position(uint j, bool wide, uint d) {   // -1 when outside [0, d)
    uint lo = ldu(pc.u[1], wide ? 2u * j : j);
    uint hi = wide ? ldu(pc.u[1], 2u * j + 1u) : (int(lo) < 0 ? 0xffffffffu : 0u);
    return hi == 0u && lo < d ? int(lo) : -1;
}

void index_copy(uint idx) {
    uint inner = pc.u[5], n = pc.u[4], d = pc.u[6];
    bool wide = pc.u[7] != 0u;
    uint w = idx % inner, t = idx / inner, i = t % n, o = t / n;
    int p = position(i, wide, d);
    bool bad = p < 0, later = false;
    for (uint j = 0u; j < n; j++) {
        int q = position(j, wide, d);
        bad = bad || q < 0;
        later = later || (j > i && q == p);
    }
    if (bad) {
        atomicMin(arena_u[pc.u[8]], pc.u[9]);
        return;
    }
    if (later) return;
    uint v = ldu(pc.u[0], idx), dst = pc.u[2], at = (o * d + uint(p)) * inner + w;
    if ((dst & STATE_BIT) != 0u) state_u[(dst & ~STATE_BIT) + at] = v;
    else arena_u[dst + at] = v;
}

void main() {
    uint idx = flat_index();
    if (OP == 5u) {
        if (idx < pc.u[3]) index_copy(idx);
        return;
    }
    if (OP == 3u) {
        if (idx < pc.u[3]) gather(idx);
        return;
    }
    if (idx >= pc.u[2]) return;
    if (OP == 0u) strided(idx);
    else if (OP == 1u) {
        uint row = pc.u[3];
        arena_u[pc.u[1] + (idx / row) * pc.u[4] + pc.u[5] + idx % row] = ldu(pc.u[0], idx);
    } else if (OP == 2u) pad(idx);
    else arena_u[pc.u[1] + idx] = pc.u[3];
}
