"""GATHER: out = take(data, indices, axis): out.shape = data.shape[:axis] + indices.shape +
data.shape[axis+1:]. Indices in [-n, n) (negative counts from the end); others are an error."""
import numpy as np


class IndexOutOfRange(ValueError):
    pass


def gather(data, indices, out, *, axis):
    n = data.shape[axis]
    if indices.size and (indices.min() < -n or indices.max() >= n):
        bad = indices[(indices < -n) | (indices >= n)].flat[0]
        raise IndexOutOfRange(f"gather index {bad} out of range [-{n}, {n}) on axis {axis}")
    out[...] = np.take(data, indices, axis=axis)
