"""NEG: elementwise neg."""
import numpy as np

from runtime_py.kernels import _checks


def neg(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        np.negative(x, out=out)


def check(ins, out, options, where, int8):
    _checks.elementwise(ins, out, options, where, int8)
    _checks.numeric(out, where)
