"""REDUCE_PROD: product over `axes` (sorted, distinct), 1 over none; keep_dims keeps them as
size 1. FLOAT32 in float32; integers (and BOOL) in int64 with wrap-around, then converted."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import require
from schema import fb


def reduce_prod(x, out, *, axes, keep_dims=False):
    dtype = np.float32 if x.dtype == np.float32 else np.int64
    with np.errstate(all="ignore"):    # overflow to inf, inf * 0 = NaN: IEEE results, no warning
        out[...] = x.prod(axis=tuple(axes), keepdims=keep_dims, dtype=dtype)


def check(ins, out, options, where, int8):
    _checks.reduce(ins, out, options, where, int8)
    require(ins[0].dtype != fb.DType.FLOAT32 or out.dtype == fb.DType.FLOAT32,
            f"{where}: a FLOAT32 input needs a FLOAT32 output")
