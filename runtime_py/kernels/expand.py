"""EXPAND: numpy broadcasting of x to the output's shape (dimensions aligned at the right)."""
import numpy as np

from runtime_py.kernels._checks import dims, require


def expand(x, out):
    out[...] = np.broadcast_to(x, out.shape)


def check(ins, out, options, where, int8):
    x, y = dims(ins[0]), dims(out)
    require(len(x) <= len(y) and all(v in (1, y[d + len(y) - len(x)]) for d, v in enumerate(x)),
            f"{where}: input {x} does not broadcast to output {y}")
