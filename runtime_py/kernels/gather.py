"""GATHER: out = take(data, indices, axis): out.shape = data.shape[:axis] + indices.shape +
data.shape[axis+1:]. Indices in [-n, n) (negative counts from the end); others are an error."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import dims, require
from schema import fb


class IndexOutOfRange(ValueError):
    pass


def gather(data, indices, out, *, axis):
    n = data.shape[axis]
    if indices.size and (indices.min() < -n or indices.max() >= n):
        bad = indices[(indices < -n) | (indices >= n)].flat[0]
        raise IndexOutOfRange(f"gather index {bad} out of range [-{n}, {n}) on axis {axis}")
    out[...] = np.take(data, indices, axis=axis)


def check(ins, out, options, where, int8):
    _checks.axis(ins, options, where)
    require(ins[1].dtype in (fb.DType.INT64, fb.DType.INT32), f"{where}: indices must be INT64 or INT32")
    x, axis = dims(ins[0]), options.axis
    require(dims(out) == x[:axis] + dims(ins[1]) + x[axis + 1:],
            f"{where}: data {x}, indices {dims(ins[1])} on axis {axis} do not give output {dims(out)}")
