"""LESS: elementwise less with numpy broadcasting; the output is BOOL."""
import numpy as np


def less(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.less(a, b, out=out)
