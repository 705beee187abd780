#version 450
// REDUCE_MEAN, REDUCE_SUM, REDUCE_MAX (float32) and REDUCE_ANY (float32 or BOOL in, BOOL
// out) over any axes (OP, spec constant 0, is the schema's opcode; REDUCE_ANY of a BOOL
// input is 256 + REDUCE_ANY). One invocation per output element (per word of four outputs
// for REDUCE_ANY), 64 per workgroup over the flattened 2-D grid: the reduced elements are
// visited in x's row-major order (the C runtime's) through the kept and reduced dimensions'
// sizes and strides. MEAN and SUM add in float32 into four partial sums, element t of a run
// of the last reduced dimension into sum t % 4 (the C runtime's order; it adds in double):
// within 1e-5 unless the sum is long and cancels. MAX: a NaN wins, -inf for no elements;
// MEAN of no elements is NaN; ANY of none is false.
//
// Push constants: u0 x ref, u1 y, u2 total (outputs; words for ANY), u3 outputs, u4 elements
// reduced into each, u5 kept dimensions nk, u6 reduced dimensions nr, then nk kept sizes, nk
// kept strides, nr reduced sizes, nr reduced strides (elements of x) from u7 on.
#include "common.glsl"

const bool ANY = OP == 41u || OP == 297u;

// The offset in x of output o's first element.
uint base_of(uint o) {
    uint nk = pc.u[5], rem = o, base = 0u;
    for (int d = int(nk) - 1; d >= 0; d--) {
        uint size = pc.u[7 + d], c = rem % size;
        rem /= size;
        base += c * pc.u[7 + nk + d];
    }
    return base;
}

// The offset of reduced element r (row-major over the reduced dimensions) from the base.
uint red_offset(uint r) {
    uint nk = pc.u[5], nr = pc.u[6], at = 7u + 2u * nk, rem = r, off = 0u;
    for (int d = int(nr) - 1; d >= 0; d--) {
        uint size = pc.u[at + d], c = rem % size;
        rem /= size;
        off += c * pc.u[at + nr + d];
    }
    return off;
}

bool any_of(uint o) {
    uint base = base_of(o);
    for (uint r = 0u; r < pc.u[4]; r++) {
        uint i = base + red_offset(r);
        if (OP == 297u ? ldb(pc.u[0], i) != 0u : ld(pc.u[0], i) != 0.0) return true;
    }
    return false;
}

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[2]) return;
    if (ANY) {
        uint word = 0u;
        for (uint k = 0u; k < 4u && idx * 4u + k < pc.u[3]; k++) word |= (any_of(idx * 4u + k) ? 1u : 0u) << (8u * k);
        arena_u[pc.u[1] + idx] = word;
        return;
    }
    uint base = base_of(idx), count = pc.u[4];
    if (OP == 40u) {   // REDUCE_MAX
        float m = uintBitsToFloat(0xff800000u);
        for (uint r = 0u; r < count; r++) {
            float v = ld(pc.u[0], base + red_offset(r));
            if (v > m || isnan(v)) m = v;
        }
        arena[pc.u[1] + idx] = m;
        return;
    }
    uint nk = pc.u[5], nr = pc.u[6];
    uint run = nr > 0u && pc.u[7 + 2u * nk + 2u * nr - 1u] == 1u ? pc.u[7 + 2u * nk + nr - 1u] : 1u;
    float part[4] = float[4](0.0, 0.0, 0.0, 0.0);
    for (uint r = 0u; r < count; r++) part[(r % run) % 4u] += ld(pc.u[0], base + red_offset(r));
    precise float sum = (part[0] + part[1]) + (part[2] + part[3]);
    if (OP == 38u) sum = sum / float(count);   // REDUCE_MEAN (0 / 0: NaN)
    arena[pc.u[1] + idx] = sum;
}
