"""LOGICAL_OR: elementwise logical or with numpy broadcasting; the output is BOOL."""
import numpy as np

from runtime_py.kernels import _checks


def logical_or(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.logical_or(a, b, out=out)


check = _checks.logical   # BOOL inputs broadcast to the BOOL output
