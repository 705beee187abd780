"""FULLY_CONNECTED: out[..., n] = sum_k x[..., k] * weight[n, k] + bias[n].

x: (..., K); weight: (N, K); bias: (N,) or None; out: (..., N)."""
import numpy as np

from runtime_py.kernels._common import apply_activation


def fully_connected(x, weight, bias, out, *, activation=0):
    y = np.matmul(x, weight.T)
    if bias is not None:
        y = y + bias
    out[...] = y
    apply_activation(out, activation)
