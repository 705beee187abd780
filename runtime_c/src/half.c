/* IEEE half precision (FLOAT16) to and from double, for CAST and for callers that feed
 * or read FLOAT16 tensors: exact widening, and narrowing rounded to the nearest half
 * (ties to even) in one step, as numpy's double -> float16 (no double rounding through
 * float32). Overflow gives +-inf; NaN stays NaN (quiet). */
#include "ember.h"

#include <math.h>
#include <string.h>

double ember_half_to_double(uint16_t h) {
    int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    double v = exp == 0 ? ldexp((double)man, -24)
             : exp == 31 ? (man ? (double)NAN : (double)INFINITY)
                         : ldexp((double)(man + 1024), exp - 25);
    return (h & 0x8000) ? -v : v;
}

uint16_t ember_double_to_half(double d) {
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    uint16_t sign = (uint16_t)((b >> 48) & 0x8000);
    int exp = (int)((b >> 52) & 0x7ff);
    uint64_t full = (b & 0xfffffffffffffULL) | (1ULL << 52);   /* 53-bit significand */
    if (exp == 0x7ff) return (uint16_t)(sign | 0x7c00 | ((b & 0xfffffffffffffULL) ? 0x200 : 0));
    int e = exp - 1023;
    if (exp == 0 || e < -26) return sign;                       /* below half the smallest subnormal */
    if (e > 15) return (uint16_t)(sign | 0x7c00);
    /* a normal half keeps 10 fraction bits; a subnormal counts units of 2^-24 */
    int shift = e >= -14 ? 42 : 28 - e;
    int hexp = e >= -14 ? e + 15 : 0;
    uint64_t m = full >> shift, rem = full & ((1ULL << shift) - 1), halfway = 1ULL << (shift - 1);
    if (rem > halfway || (rem == halfway && (m & 1))) m++;
    if (hexp == 0) return (uint16_t)(sign | m);                 /* 1024 is the smallest normal: same bits */
    if (m >= 2048) {
        m >>= 1;
        hexp++;
    }
    if (hexp >= 31) return (uint16_t)(sign | 0x7c00);
    return (uint16_t)(sign | (hexp << 10) | (m & 0x3ff));
}
