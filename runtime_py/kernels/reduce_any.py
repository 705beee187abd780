"""REDUCE_ANY: any over `axes` (sorted, distinct); keep_dims keeps them as size 1."""
import numpy as np

from runtime_py.kernels import _checks


def reduce_any(x, out, *, axes, keep_dims=False):
    out[...] = np.any(x, axis=tuple(axes), keepdims=keep_dims)


check = _checks.reduce   # distinct axes; the output is the input without them
