"""REDUCE_MEAN: mean over `axes` (sorted, distinct); keep_dims keeps them as size 1."""
import numpy as np

from runtime_py.kernels import _checks


def reduce_mean(x, out, *, axes, keep_dims=False):
    out[...] = x.mean(axis=tuple(axes), keepdims=keep_dims, dtype=np.float64)


check = _checks.reduce   # distinct axes; the output is the input without them
