"""SOFTMAX along `axis`: exp(x - max) / sum(exp(x - max)). A row of all -inf gives NaN, as in torch."""
import numpy as np

from runtime_py.kernels import _checks


def softmax(x: np.ndarray, out: np.ndarray, *, axis: int) -> None:
    with np.errstate(invalid="ignore"):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        out[...] = e / np.sum(e, axis=axis, keepdims=True)


check = _checks.along_axis   # an axis inside the rank; output of the input's shape and dtype
