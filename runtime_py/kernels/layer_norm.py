"""LAYER_NORM over dimensions [axis, rank): (x - mean) / sqrt(var + eps) * weight + bias.

The variance is the biased one (divided by the count), as in torch."""
import numpy as np


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
