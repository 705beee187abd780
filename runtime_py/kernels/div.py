"""DIV: elementwise div with numpy broadcasting, then the fused activation."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._common import apply_activation


def div(a: np.ndarray, b: np.ndarray, out: np.ndarray, *, activation: int = 0) -> None:
    with np.errstate(all="ignore"):
        np.divide(a, b, out=out, casting="unsafe")
    apply_activation(out, activation)


check = _checks.arith   # inputs broadcast to the output, one numeric dtype, an activation
