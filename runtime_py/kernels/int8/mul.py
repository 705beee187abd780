"""MUL int8: out = requantize((a - a_zp) * (b - b_zp), m, s), numpy broadcasting."""
import numpy as np

from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize


def mul(a, b, out, *, q, activation=0):
    acc = (a.astype(np.int64) - q.zero_points[0]) * (b.astype(np.int64) - q.zero_points[1])
    out[...] = requantize(acc, q.multiplier[0], q.shift[0], q.out_zero_point, q.act_min, q.act_max)


check = _checks.one_multiplier   # quantized inputs, one rescale
