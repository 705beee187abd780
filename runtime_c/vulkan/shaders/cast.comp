#version 450
// CAST among FLOAT32, INT8, INT32, INT64, BOOL and UINT8 (OP, spec constant 0, is
// src * 8 + dst, the schema's DType values), as runtime_c/src/ops/cast.c converts, in 32-bit
// words only (no shaderInt64; an INT64 is two words, low first):
//   float -> INT32: truncation toward zero; NaN, +-inf and values outside
//     [-2^31, 2^31) give INT32_MIN. -> INT64: the same over [-2^63, 2^63), else INT64_MIN
//     (|x| >= 2^31 is an integer: its high and low words split exactly by 2^32).
//     -> INT8 / UINT8: through INT32, the low byte (300.0 -> 44, NaN -> 0).
//   integer -> narrower integer: the low bits; -> INT64: sign-extended (INT8, INT32) or
//     zero-extended (UINT8, BOOL); -> FLOAT32: the nearest float, ties to even, from the
//     64-bit value's leading 24 bits and its guard and sticky bits (no int-to-float
//     conversion's rounding mode assumed).
//   anything -> BOOL: x != 0 (NaN is true); BOOL -> anything: 0 or 1 (any nonzero byte is 1).
//   FLOAT32 -> FLOAT32 and same-dtype casts: the bits.
// One invocation per output word: four elements of a byte-wide output (INT8, UINT8, BOOL;
// the bytes past the last element of its last word are 0), one element of a 4-byte one,
// one element (two words) of INT64.
//
// Push constants: u0 x ref, u1 y ref, u2 invocations, u3 elements.
#include "common.glsl"

const uint SRC = OP >> 3, DST = OP & 7u;
const uint DT_F32 = 0u, DT_I8 = 1u, DT_I32 = 2u, DT_I64 = 3u, DT_BOOL = 4u, DT_U8 = 5u;

bool byte_wide(uint dt) { return dt == DT_I8 || dt == DT_BOOL || dt == DT_U8; }

// Byte i of the tensor at ref.
uint ld_byte(uint ref, uint i) { return (ldu(ref, i >> 2) >> (8u * (i & 3u))) & 0xffu; }

// float -> int32 bits (C's f2i32).
uint f2i32(float v) {
    return v >= -2147483648.0 && v < 2147483648.0 ? uint(int(v)) : 0x80000000u;
}

// float -> int64 (lo, hi) (C's f2i64).
uvec2 f2i64(float v) {
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return uvec2(0u, 0x80000000u);
    if (v >= -2147483648.0 && v < 2147483648.0) {
        int i = int(v);
        return uvec2(uint(i), i < 0 ? 0xffffffffu : 0u);
    }
    precise float a = abs(v);                       // >= 2^31: an integer
    precise float h = floor(a * (1.0 / 4294967296.0));
    precise float l = a - h * 4294967296.0;         // exact (a multiple of ulp(a), below 2^32)
    uvec2 m = uvec2(uint(l), uint(h));
    if (v < 0.0) m = uvec2(~m.x + 1u, ~m.y + (m.x == 0u ? 1u : 0u));
    return m;
}

// The 64-bit integer (lo, hi) -> the nearest float32, ties to even.
float i64_to_f32(uvec2 v) {
    bool neg = (v.y & 0x80000000u) != 0u;
    if (neg) v = uvec2(~v.x + 1u, ~v.y + (v.x == 0u ? 1u : 0u));   // INT64_MIN stays 2^63
    if (v.y == 0u && v.x < 0x1000000u) {            // below 2^24: exact
        float f = float(v.x);
        return neg ? -f : f;
    }
    uint bits = v.y != 0u ? 33u + uint(findMSB(v.y)) : 1u + uint(findMSB(v.x));   // > 24
    uint s = bits - 24u;                            // the shift: 1..40
    uint mant, guard, sticky;
    if (s < 32u) {
        mant = (v.x >> s) | (v.y << (32u - s));
    } else {
        mant = v.y >> (s - 32u);
    }
    uint g = s - 1u;                                // the guard bit's position
    guard = g < 32u ? (v.x >> g) & 1u : (v.y >> (g - 32u)) & 1u;
    if (g == 0u) sticky = 0u;
    else if (g < 32u) sticky = (v.x & ((1u << g) - 1u)) != 0u ? 1u : 0u;
    else if (g == 32u) sticky = v.x != 0u ? 1u : 0u;
    else sticky = (v.x != 0u || (v.y & ((1u << (g - 32u)) - 1u)) != 0u) ? 1u : 0u;
    if (guard == 1u && (sticky == 1u || (mant & 1u) == 1u)) mant += 1u;
    if (mant == 0x1000000u) { mant >>= 1; s += 1u; }
    uint f = ((127u + 23u + s) << 23) | (mant & 0x7fffffu);
    return uintBitsToFloat(neg ? f | 0x80000000u : f);
}

// Element i of an integer or BOOL source as a 64-bit integer (lo, hi).
uvec2 ld_int(uint ref, uint i) {
    if (SRC == DT_I64) return uvec2(ldu(ref, 2u * i), ldu(ref, 2u * i + 1u));
    if (SRC == DT_I32) { uint w = ldu(ref, i); return uvec2(w, (w & 0x80000000u) != 0u ? 0xffffffffu : 0u); }
    uint b = ld_byte(ref, i);
    if (SRC == DT_BOOL) return uvec2(b != 0u ? 1u : 0u, 0u);
    if (SRC == DT_I8) return uvec2(uint(int(b << 24) >> 24), (b & 0x80u) != 0u ? 0xffffffffu : 0u);
    return uvec2(b, 0u);                            // UINT8
}

// Element i converted: (lo, hi) of the result (a float as its bits in lo).
uvec2 convert(uint ref, uint i) {
    if (SRC == DT_F32) {
        float v = ld(ref, i);
        if (DST == DT_F32) return uvec2(floatBitsToUint(v), 0u);
        if (DST == DT_BOOL) return uvec2(isnan(v) || v != 0.0 ? 1u : 0u, 0u);
        if (DST == DT_I64) return f2i64(v);
        return uvec2(f2i32(v), 0u);                 // INT32, and the low byte of it for INT8 / UINT8
    }
    uvec2 x = ld_int(ref, i);
    if (DST == DT_F32) return uvec2(floatBitsToUint(i64_to_f32(x)), 0u);
    if (DST == DT_BOOL) return uvec2((x.x | x.y) != 0u ? 1u : 0u, 0u);
    return x;                                       // integers: the low bits
}

void main() {
    uint idx = flat_index();
    if (idx >= pc.u[2]) return;
    uint n = pc.u[3];
    if (byte_wide(DST)) {
        uint w = 0u;
        for (uint b = 0u; b < 4u; b++) {
            uint i = 4u * idx + b;
            if (i < n) w |= (convert(pc.u[0], i).x & 0xffu) << (8u * b);
        }
        arena_u[pc.u[1] + idx] = w;
    } else if (DST == DT_I64) {
        uvec2 r = convert(pc.u[0], idx);
        arena_u[pc.u[1] + 2u * idx] = r.x;
        arena_u[pc.u[1] + 2u * idx + 1u] = r.y;
    } else {
        arena_u[pc.u[1] + idx] = convert(pc.u[0], idx).x;
    }
}
