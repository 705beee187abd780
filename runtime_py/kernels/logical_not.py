"""LOGICAL_NOT: elementwise logical not."""
import numpy as np

from runtime_py.kernels import _checks


def logical_not(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        np.logical_not(x, out=out)


def check(ins, out, options, where, int8):
    _checks.same_shape(ins, out, where)
    _checks.all_bool(ins, where)
