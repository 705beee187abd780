"""FULLY_CONNECTED int8: acc[..., n] = bias[n] + sum_k (x[..., k] - x_zp) * w[n, k];
out = requantize(acc, m[n], s[n]) within [act_min, act_max]."""
import numpy as np

from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize


def fully_connected(x, weight, bias, out, *, q, activation=0, dynamic_quantization=False):
    acc = np.matmul(x.astype(np.float64) - q.zero_points[0], weight.astype(np.float64).T).astype(np.int64)
    if bias is not None:
        acc += bias.astype(np.int64)
    n = weight.shape[0]
    out[...] = requantize(acc, np.broadcast_to(q.multiplier, (n,)), np.broadcast_to(q.shift, (n,)),
                          q.out_zero_point, q.act_min, q.act_max)


check = _checks.gemm   # a quantized input, an INT8 symmetric weight per channel, an INT32 bias
