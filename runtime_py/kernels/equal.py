"""EQUAL: elementwise equal with numpy broadcasting; the output is BOOL."""
import numpy as np


def equal(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    np.equal(a, b, out=out)
