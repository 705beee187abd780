"""WHERE: condition ? a : b, elementwise with numpy broadcasting."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import require
from schema import fb


def where(condition: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    out[...] = np.where(condition, a, b)


def check(ins, out, options, where, int8):
    _checks.broadcasts(ins, out, where)
    require(ins[0].dtype == fb.DType.BOOL and ins[1].dtype == ins[2].dtype == out.dtype,
            f"{where}: a BOOL condition and two operands of the output's dtype")
