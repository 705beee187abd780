"""TOPK: the indices of the k largest (`largest`) or smallest elements along `axis`, k =
the output's size there: a stable sort (equal values keep their input order), descending
for largest with NaN first, ascending with NaN last (NaN is above every number)."""
import numpy as np

from runtime_py.kernels._arg import INPUT_DTYPES
from runtime_py.kernels._checks import dims, require
from schema import fb


def topk(x, out, *, axis, largest=True):
    if not largest:
        order = np.argsort(x, axis=axis, kind="stable")          # numpy puts NaN last
    elif x.dtype.kind == "f":
        # lexsort's last key leads: NaN (isnan False) first, then by -x; both stable
        order = np.lexsort((-x, ~np.isnan(x)), axis=axis)
    else:
        order = np.argsort(~x, axis=axis, kind="stable")         # ~x = -1 - x: reversed, no overflow
    out[...] = np.take(order, np.arange(out.shape[axis]), axis=axis)


def check(ins, out, options, where, int8):
    """x FLOAT32 or an integer dtype; out INT64 or INT32 of x's shape, at most x's size on
    the axis (inside the rank)."""
    x, y, axis = dims(ins[0]), dims(out), options.axis
    require(ins[0].dtype in INPUT_DTYPES, f"{where}: input must be FLOAT32 or an integer dtype, not {ins[0].dtype}")
    require(out.dtype in (fb.DType.INT64, fb.DType.INT32), f"{where}: output must be INT64 or INT32, not {out.dtype}")
    require(0 <= axis < len(x), f"{where}: axis {axis} out of range for rank {len(x)}")
    require(len(y) == len(x) and y[axis] <= x[axis] and all(a == b for d, (a, b) in enumerate(zip(x, y)) if d != axis),
            f"{where}: output {y} is not input {x} with at most its size on axis {axis}")
