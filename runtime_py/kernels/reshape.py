"""RESHAPE: same elements in row-major order, new shape. In a planned arena the output
aliases the input, so there is nothing to move."""
import numpy as np

from runtime_py.kernels._checks import require


def reshape(x, out):
    if not np.shares_memory(x, out):
        out[...] = x.reshape(out.shape)


def check(ins, out, options, where, int8):
    require(ins[0].nbytes == out.nbytes and ins[0].dtype == out.dtype,
            f"{where}: {ins[0].nbytes} bytes in, {out.nbytes} out")
