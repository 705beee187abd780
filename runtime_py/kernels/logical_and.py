"""LOGICAL_AND: elementwise logical and with numpy broadcasting; the output is BOOL."""
import numpy as np

from runtime_py.kernels import _checks


def logical_and(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.logical_and(a, b, out=out)


check = _checks.logical   # BOOL inputs broadcast to the BOOL output
