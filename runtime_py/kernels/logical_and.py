"""LOGICAL_AND: elementwise logical and with numpy broadcasting; the output is BOOL."""
import numpy as np


def logical_and(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.logical_and(a, b, out=out)
