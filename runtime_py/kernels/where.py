"""WHERE: condition ? a : b, elementwise with numpy broadcasting."""
import numpy as np


def where(condition: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    out[...] = np.where(condition, a, b)
