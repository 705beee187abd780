"""GELU: x * Phi(x) with the exact erf, or torch's tanh approximation."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._common import erf


def gelu(x: np.ndarray, out: np.ndarray, *, tanh_approximation: bool = False) -> None:
    x64 = x.astype(np.float64)
    if tanh_approximation:
        inner = np.sqrt(2.0 / np.pi) * (x64 + 0.044715 * x64 ** 3)
        out[...] = 0.5 * x64 * (1.0 + np.tanh(inner))
    else:
        out[...] = 0.5 * x64 * (1.0 + erf(x64 / np.sqrt(2.0)))


check = _checks.elementwise   # output of the input's shape and dtype
