"""FULLY_CONNECTED: out[..., n] = sum_k x[..., k] * weight[n, k] + bias[n].

x: (..., K); weight: (N, K); bias: (N,) or None; out: (..., N).

With an INT8 weight (per-channel `weight_scales`) and FLOAT32 x, bias, out:
  weight-only: out = (x @ float(w).T) * scales + bias
  dynamic_quantization, per row: sx = max|x| / 127 (1 for a row of zeros),
    q = clamp(rint(x / sx), -127, 127) (NaN -> 0), acc = q @ w.T exactly,
    out = float32(acc) * (sx * scales) + bias, each step in float32."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import dims, require
from runtime_py.kernels._common import apply_activation


def _row_quantize(x):
    amax = np.max(np.abs(x), axis=-1, keepdims=True) if x.shape[-1] else np.zeros(x.shape[:-1] + (1,), np.float32)
    sx = np.where(amax > 0, amax / np.float32(127), np.float32(1)).astype(np.float32)
    with np.errstate(invalid="ignore"):
        q = np.rint(x / sx)
    q = np.nan_to_num(np.clip(q, -127, 127), nan=0.0)
    return q, sx


def fully_connected(x, weight, bias, out, *, activation=0, dynamic_quantization=False, weight_scales=None):
    if weight.dtype == np.int8:
        scales = np.broadcast_to(np.asarray(weight_scales, np.float32), (weight.shape[0],))
        if dynamic_quantization:
            q, sx = _row_quantize(x)
            # float64 holds the integer sums exactly (|acc| < 2^53)
            acc = np.matmul(q.astype(np.float64), weight.astype(np.float64).T).astype(np.int64)
            y = acc.astype(np.float32) * (sx * scales)
        else:
            y = np.matmul(x, weight.astype(np.float32).T) * scales
    else:
        y = np.matmul(x, weight.T)
    if bias is not None:
        y = y + bias
    out[...] = y
    apply_activation(out, activation)


def check(ins, out, options, where, int8):
    x, w = dims(ins[0]), dims(ins[1])
    require(len(w) == 2 and len(x) >= 1 and x[-1] == w[1] and dims(out) == x[:-1] + [w[0]],
            f"{where}: input {x}, weight {w}, output {dims(out)} inconsistent")
    if len(ins) > 2 and ins[2] is not None:
        require(dims(ins[2]) == [w[0]], f"{where}: bias shape {dims(ins[2])}")
    _checks.activation(options, where)
