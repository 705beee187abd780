"""NOT_EQUAL: elementwise not equal with numpy broadcasting; the output is BOOL."""
import numpy as np


def not_equal(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.not_equal(a, b, out=out)
