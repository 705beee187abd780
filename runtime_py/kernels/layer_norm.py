"""LAYER_NORM over dimensions [axis, rank): (x - mean) / sqrt(var + eps) * weight + bias.

The variance is the biased one (divided by the count), as in torch."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import dims, require


def layer_norm(x, weight, bias, out, *, axis: int, epsilon: float) -> None:
    axes = tuple(range(axis, x.ndim))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x64 - mean) / np.sqrt(var + epsilon)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    out[...] = y


def check(ins, out, options, where, int8):
    """Output of x's shape and dtype; weight and bias (optional) of x.shape[axis:]."""
    x = dims(ins[0])
    require(0 <= options.axis < len(x), f"{where}: axis {options.axis} out of range")
    _checks.same_shape(ins, out, where)
    require(all(t is None or dims(t) == x[options.axis:] for t in ins[1:3]),
            f"{where}: weight and bias must be of shape {x}[{options.axis}:]")
    _checks.same_dtype(ins, out, where, int8)
