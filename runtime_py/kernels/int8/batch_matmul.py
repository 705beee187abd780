"""BATCH_MATMUL int8: acc = (a - a_zp) @ (b - b_zp) with numpy broadcasting of the batch
dimensions; out = requantize(acc, m, s)."""
import numpy as np

from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize


def batch_matmul(a, b, out, *, q):
    acc = np.matmul(a.astype(np.float64) - q.zero_points[0],
                    b.astype(np.float64) - q.zero_points[1]).astype(np.int64)
    out[...] = requantize(acc, q.multiplier[0], q.shift[0], q.out_zero_point, q.act_min, q.act_max)


check = _checks.one_multiplier   # quantized inputs, one rescale
