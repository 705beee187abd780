"""REDUCE_MEAN int8: the sum of (x - x_zp) over `axes` divided by the element count,
rounded half away from zero, then requantize(mean, m, s)."""
import numpy as np

from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize, round_div


def reduce_mean(x, out, *, q, axes, keep_dims=False):
    axes = tuple(axes)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64)) if axes else 1
    sums = (x.astype(np.int64) - q.zero_points[0]).sum(axis=axes, keepdims=keep_dims)
    out[...] = requantize(round_div(sums, max(count, 1)), q.multiplier[0], q.shift[0], q.out_zero_point)


check = _checks.one_multiplier   # a quantized input, one rescale
