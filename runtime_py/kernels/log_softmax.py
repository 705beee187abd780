"""LOG_SOFTMAX along `axis`: (x - max) - log(sum(exp(x - max)))."""
import numpy as np


def log_softmax(x: np.ndarray, out: np.ndarray, *, axis: int) -> None:
    with np.errstate(invalid="ignore"):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        out[...] = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
