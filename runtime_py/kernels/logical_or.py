"""LOGICAL_OR: elementwise logical or with numpy broadcasting; the output is BOOL."""
import numpy as np


def logical_or(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.logical_or(a, b, out=out)
