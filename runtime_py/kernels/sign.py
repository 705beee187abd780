"""SIGN: (x > 0) - (x < 0), elementwise: 1, -1, or 0 for ±0 and NaN (as torch.sign)."""
import numpy as np

from runtime_py.kernels import _checks


def sign(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        out[...] = (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)   # 0 for NaN, as torch


check = _checks.elementwise   # output of the input's shape and dtype
