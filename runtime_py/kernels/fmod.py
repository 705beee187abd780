"""FMOD: the remainder with the sign of the dividend (torch.fmod, C's fmod), numpy
broadcasting, one dtype. FLOAT32 fmod (exact); integers truncate (INT_MIN % -1 is 0); a
zero integer divisor is a run-time error."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels.mod import nonzero_divisor


def fmod(a, b, out):
    nonzero_divisor(b, out)
    with np.errstate(all="ignore"):
        np.fmod(a, b, out=out)


check = _checks.arith   # inputs broadcast to the output, one numeric dtype
