"""The int8 arithmetic every integer kernel shares (schema/README.md, "Integer
arithmetic"). numpy int64 emulates the int32 operations exactly; the C runtime's
ops/int8/fixed.h does the same steps.

    srdhm(a, b)   saturating rounding doubling high multiply of two int32:
                  (a*b + nudge) / 2^31 truncated toward zero, nudge = 2^30 for
                  a*b >= 0 and 1 - 2^30 otherwise; INT32_MIN*INT32_MIN gives INT32_MAX
    rdpot(x, e)   rounding right shift by e in [0, 31], ties away from zero
    mbqm(x, m, s) x * m * 2^(s-31): x saturated to int32 after the left shift max(s, 0),
                  srdhm by m, rdpot by max(-s, 0)
"""
import numpy as np

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def sat32(x):
    return np.clip(np.asarray(x, np.int64), INT32_MIN, INT32_MAX)


def srdhm(a, b):
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    v = ab + nudge
    q = np.where(v >= 0, v >> 31, -((-v) >> 31))          # division truncating toward zero
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)


def rdpot(x, e):
    x = np.asarray(x, np.int64)
    e = np.asarray(e, np.int64)
    mask = (np.int64(1) << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (remainder > threshold)


def mbqm(x, m, s):
    """Multiply int32 `x` by the fixed-point multiplier (m, s); m, s broadcast against x."""
    s = np.asarray(s, np.int64)
    left = np.maximum(s, 0)
    right = np.maximum(-s, 0)
    return rdpot(srdhm(sat32(np.asarray(x, np.int64) << left), m), right)


def round_div(x, n):
    """x / n rounded half away from zero (n > 0), as C's truncating division does it."""
    x = np.asarray(x, np.int64)
    half = n // 2
    return np.where(x >= 0, (x + half) // n, -((-x + half) // n))


def requantize(acc, m, s, zero_point, lo=-128, hi=127):
    """int8 output of an int32 accumulator: clamp(mbqm(acc, m, s) + zero_point, lo, hi)."""
    return np.clip(mbqm(sat32(acc), m, s) + zero_point, lo, hi).astype(np.int8)
