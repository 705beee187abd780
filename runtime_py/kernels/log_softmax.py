"""LOG_SOFTMAX along `axis`: (x - max) - log(sum(exp(x - max)))."""
import numpy as np

from runtime_py.kernels import _checks


def log_softmax(x: np.ndarray, out: np.ndarray, *, axis: int) -> None:
    with np.errstate(invalid="ignore"):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        out[...] = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


check = _checks.along_axis   # an axis inside the rank; output of the input's shape and dtype
