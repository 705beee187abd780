"""GREATER: elementwise greater with numpy broadcasting; the output is BOOL."""
import numpy as np


def greater(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.greater(a, b, out=out)
