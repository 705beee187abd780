"""AVG_POOL2D int8: the window's sum of (x - x_zp) divided by the float op's count
(divisor, window area, or elements inside the input), rounded half away from zero,
then requantize(mean, m, s)."""
import numpy as np

from runtime_py.kernels._pool import windows
from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize, round_div


def avg_pool2d(x, out, *, q, count_include_pad=True, divisor=0, **window):
    centred = x.astype(np.int64) - q.zero_points[0]
    sums = windows(centred, out.shape[2:], 0, **window).sum(axis=(4, 5))
    if divisor > 0:
        count = np.int64(divisor)
    elif count_include_pad:
        count = np.int64(window["kernel_h"] * window["kernel_w"])
    else:
        ones = np.ones((1, 1) + x.shape[2:], dtype=np.int64)
        count = windows(ones, out.shape[2:], 0, **window).sum(axis=(4, 5))
    out[...] = requantize(round_div(sums, count), q.multiplier[0], q.shift[0], q.out_zero_point)


check = _checks.one_multiplier   # a quantized input, one rescale
