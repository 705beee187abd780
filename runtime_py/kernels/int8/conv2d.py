"""CONV2D int8: acc[n, o, i, j] = bias[o] + sum (x - x_zp) * w over o's window (padding
is the input zero point, so it adds 0); out = requantize(acc, m[o], s[o]) within
[act_min, act_max]. Weights symmetric per output channel (zero point 0), bias int32."""
import numpy as np

from runtime_py.kernels.conv2d import conv2d as conv2d_f
from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize


def conv2d(x, weight, bias, residual, out, *, q, activation=0, **window):
    # float64 holds every partial sum exactly (|acc| < 2^53), so the float kernel's
    # window and matmul code computes the exact integer sum.
    acc = np.empty(out.shape, np.float64)
    conv2d_f(x.astype(np.float64) - q.zero_points[0], weight.astype(np.float64), None, None, acc, **window)
    acc = acc.astype(np.int64)
    o = weight.shape[0]
    if bias is not None:
        acc += bias.astype(np.int64).reshape(1, o, 1, 1)
    m = np.broadcast_to(q.multiplier, (o,)).reshape(1, o, 1, 1)
    s = np.broadcast_to(q.shift, (o,)).reshape(1, o, 1, 1)
    out[...] = requantize(acc, m, s, q.out_zero_point, q.act_min, q.act_max)


check = _checks.gemm   # a quantized input, an INT8 symmetric weight per channel, an INT32 bias
