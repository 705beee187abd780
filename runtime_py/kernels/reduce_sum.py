"""REDUCE_SUM: sum over `axes` (sorted, distinct); keep_dims keeps them as size 1."""
from runtime_py.kernels import _checks
from runtime_py.kernels._checks import require
from schema import fb


def reduce_sum(x, out, *, axes, keep_dims=False):
    out[...] = x.sum(axis=tuple(axes), keepdims=keep_dims)


def check(ins, out, options, where, int8):
    _checks.reduce(ins, out, options, where, int8)
    require(ins[0].dtype != fb.DType.FLOAT32 or out.dtype == fb.DType.FLOAT32,
            f"{where}: a FLOAT32 input needs a FLOAT32 output")
