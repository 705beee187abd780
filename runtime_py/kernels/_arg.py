"""ARG_MAX and ARG_MIN share this (as runtime_c/src/ops/arg.h): the index of the winner
along `axis` - the first, or the last with select_last_index; a NaN beats every number
(numpy's argmax and argmin already let the first NaN win)."""
import numpy as np

from runtime_py.kernels._checks import dims, require
from schema import fb

INPUT_DTYPES = (fb.DType.FLOAT32, fb.DType.INT8, fb.DType.UINT8, fb.DType.INT32, fb.DType.INT64)


def arg(pick, x, out, axis, keep_dims, select_last_index):
    """pick: np.argmax or np.argmin. The last winner is the first one of the reversed axis."""
    if select_last_index:
        n = x.shape[axis]
        out[...] = n - 1 - pick(np.flip(x, axis), axis=axis, keepdims=keep_dims)
    else:
        out[...] = pick(x, axis=axis, keepdims=keep_dims)


def check(ins, out, options, where, int8):
    """x FLOAT32 or an integer dtype; out INT64 or INT32 of x's shape without the axis (or
    with it as 1 under keep_dims); the axis inside the rank and not empty."""
    x, axis = dims(ins[0]), options.axis
    require(ins[0].dtype in INPUT_DTYPES, f"{where}: input must be FLOAT32 or an integer dtype, not {ins[0].dtype}")
    require(out.dtype in (fb.DType.INT64, fb.DType.INT32), f"{where}: output must be INT64 or INT32, not {out.dtype}")
    require(0 <= axis < len(x), f"{where}: axis {axis} out of range for rank {len(x)}")
    require(x[axis] > 0, f"{where}: axis {axis} of input {x} is empty: no element to pick")
    want = x[:axis] + ([1] if options.keepDims else []) + x[axis + 1:]
    require(dims(out) == want,
            f"{where}: input {x} reduced on axis {axis} (keep_dims {int(options.keepDims)}) is not output {dims(out)}")
