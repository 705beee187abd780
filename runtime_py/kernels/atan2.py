"""ATAN2: atan2(a, b) elementwise with numpy broadcasting, float32: the angle of the point
(b, a)."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import require
from schema import fb


def atan2(a, b, out):
    np.arctan2(a, b, out=out)


def check(ins, out, options, where, int8):
    _checks.arith(ins, out, options, where, int8)
    require(out.dtype == fb.DType.FLOAT32, f"{where}: ATAN2 is FLOAT32")
