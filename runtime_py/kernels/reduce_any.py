"""REDUCE_ANY: any over `axes` (sorted, distinct); keep_dims keeps them as size 1."""
import numpy as np


def reduce_any(x, out, *, axes, keep_dims=False):
    out[...] = np.any(x, axis=tuple(axes), keepdims=keep_dims)
