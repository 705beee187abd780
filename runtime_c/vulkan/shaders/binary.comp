#version 450
// The broadcasting binary ops (OP, spec constant 0, is the schema's opcode), numpy
// broadcasting at rank <= 8: the output index is split into coordinates and each operand's
// element found through its broadcast strides (0 on a broadcast dimension).
//   Float32 out, one invocation per element (64 per workgroup over the flattened 2-D grid):
//   ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, then the fused activation. MAXIMUM / MINIMUM:
//   a NaN in either wins (numpy). POW: an exponent of 2 or 3 multiplies (x * x, (x * x) * x,
//   the C runtime's rows for a scalar exponent); else 1 for an exponent of 0 or a base of 1,
//   a negative base with an integer exponent by |a|^b and its sign, a non-integer one NaN,
//   +-0 ^ b as +-0 or +-inf (the sign for -0 and an odd integer b), otherwise the device's pow (exp2(b log2 a)): powf's value within the
//   device's error, which grows with |b log2 a|.
//   BOOL out, one invocation per word of four outputs: EQUAL, NOT_EQUAL, LESS, LESS_EQUAL,
//   GREATER, GREATER_EQUAL of float32 operands (IEEE: every comparison with NaN false but
//   !=); LOGICAL_AND, LOGICAL_OR of BOOL operands (nonzero bytes true).
//
// Push constants: u0 a ref, u1 b ref, u2 y, u3 total (elements; words for a BOOL output),
// u4 activation, u5 rank, u6..u13 output shape, u14..u21 a's strides, u22..u29 b's strides
// (elements), u30 elements of the output (BOOL out).
#include "common.glsl"

const bool BOOL_OUT = OP >= 10u && OP <= 17u;

float max_nan(float a, float b) { return isnan(a) || a > b ? a : b; }
float min_nan(float a, float b) { return isnan(a) || a < b ? a : b; }

float power(float a, float b) {
    if (b == 2.0) return a * a;
    if (b == 3.0) {
        precise float r = (a * a) * a;
        return r;
    }
    if (b == 0.0 || a == 1.0) return 1.0;
    if (isnan(a) || isnan(b)) return a + b;
    bool whole = floor(b) == b;
    if (a < 0.0) {
        if (!whole) return uintBitsToFloat(0x7fc00000u);
        float r = pow(-a, b);
        return mod(b, 2.0) == 1.0 ? -r : r;
    }
    if (a == 0.0) {   // +-0: 0 or inf, negative for -0 and an odd integer exponent
        float r = b > 0.0 ? 0.0 : uintBitsToFloat(0x7f800000u);
        return whole && mod(b, 2.0) == 1.0 && (floatBitsToUint(a) >> 31) != 0u ? -r : r;
    }
    return pow(a, b);
}

float arith(float a, float b) {
    if (OP == 3u) return a + b;
    if (OP == 4u) return a - b;
    if (OP == 5u) return a * b;
    if (OP == 6u) return a / b;
    if (OP == 7u) return power(a, b);
    if (OP == 8u) return max_nan(a, b);
    return min_nan(a, b);
}

bool compare(float a, float b) {
    if (OP == 10u) return a == b;
    if (OP == 11u) return a != b;
    if (OP == 12u) return a < b;
    if (OP == 13u) return a <= b;
    if (OP == 14u) return a > b;
    return a >= b;
}

// Element idx of the output: its operands' element indices.
void operands(uint idx, out uint ia, out uint ib) {
    uint rem = idx;
    ia = 0u;
    ib = 0u;
    for (int d = int(pc.u[5]) - 1; d >= 0; d--) {
        uint size = pc.u[6 + d], c = rem % size;
        rem /= size;
        ia += c * pc.u[14 + d];
        ib += c * pc.u[22 + d];
    }
}

void main() {
    uint idx = flat_index(), ia, ib;
    if (idx >= pc.u[3]) return;
    if (!BOOL_OUT) {
        operands(idx, ia, ib);
        arena[pc.u[2] + idx] = activate(arith(ld(pc.u[0], ia), ld(pc.u[1], ib)), pc.u[4]);
        return;
    }
    uint word = 0u;
    for (uint k = 0u; k < 4u && idx * 4u + k < pc.u[30]; k++) {
        operands(idx * 4u + k, ia, ib);
        bool v;
        if (OP == 16u) v = ldb(pc.u[0], ia) != 0u && ldb(pc.u[1], ib) != 0u;
        else if (OP == 17u) v = ldb(pc.u[0], ia) != 0u || ldb(pc.u[1], ib) != 0u;
        else v = compare(ld(pc.u[0], ia), ld(pc.u[1], ib));
        word |= (v ? 1u : 0u) << (8u * k);
    }
    arena_u[pc.u[2] + idx] = word;
}
