"""AVG_POOL2D, NCHW: the window sum divided by `divisor` if > 0, else by the window
area (kernel_h * kernel_w) when count_include_pad, else by the number of elements of
the window that lie inside the unpadded input."""
import numpy as np

from runtime_py.kernels import _pool
from runtime_py.kernels._pool import windows


def avg_pool2d(x, out, *, count_include_pad=True, divisor=0, **window):
    sums = windows(x, out.shape[2:], 0.0, **window).sum(axis=(4, 5), dtype=np.float64)
    if divisor > 0:
        out[...] = sums / divisor
    elif count_include_pad:
        out[...] = sums / (window["kernel_h"] * window["kernel_w"])
    else:
        ones = np.ones((1, 1) + x.shape[2:], dtype=np.float64)
        out[...] = sums / windows(ones, out.shape[2:], 0.0, **window).sum(axis=(4, 5))


check = _pool.check   # kernel, stride, padding and the pooled output shape
