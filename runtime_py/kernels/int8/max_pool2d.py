"""MAX_POOL2D int8: the window maximum (padding never wins), centred and requantized."""
import numpy as np

from runtime_py.kernels._pool import windows
from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize


def max_pool2d(x, out, *, q, count_include_pad=False, divisor=0, **window):
    best = windows(x.astype(np.int64), out.shape[2:], -(1 << 40), **window).max(axis=(4, 5))
    out[...] = requantize(best - q.zero_points[0], q.multiplier[0], q.shift[0], q.out_zero_point)


check = _checks.one_multiplier   # a quantized input, one rescale
