"""NOT_EQUAL: elementwise not equal with numpy broadcasting; the output is BOOL."""
import numpy as np

from runtime_py.kernels import _checks


def not_equal(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.not_equal(a, b, out=out)


check = _checks.compare   # inputs of one dtype broadcast to the BOOL output
