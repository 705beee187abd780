"""RSQRT: elementwise rsqrt."""
import numpy as np

from runtime_py.kernels import _checks


def rsqrt(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        np.divide(1.0, np.sqrt(x), out=out, casting="unsafe")


check = _checks.elementwise   # output of the input's shape and dtype
