"""GATHER_ELEMENTS: out[i] = data[i with i[axis] replaced by indices[i]] (torch.gather, ONNX
GatherElements); out has indices' shape. Indices in [-n, n) (negative counts from the end),
n = data.shape[axis]; another is a run-time error naming the first bad one (row-major) and
its position. The index helpers here serve SCATTER_ELEMENTS and SCATTER_ND too."""
import numpy as np

from runtime_py.kernels._checks import dims, require
from runtime_py.kernels.gather import IndexOutOfRange
from schema import fb

INDEX_DTYPES = (fb.DType.INT64, fb.DType.INT32)


def normalised(indices, n, what):
    """indices as int64 in [0, n) (n an int, or sizes broadcast along indices' last axis);
    IndexOutOfRange names the first index outside [-n, n) and its position."""
    idx = indices.astype(np.int64)
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        pos = np.unravel_index(int(np.argmax(bad)), idx.shape)
        size = int(np.broadcast_to(n, idx.shape)[pos])
        raise IndexOutOfRange(f"index {int(idx[pos])} out of range [-{size}, {size}) {what(pos)} at "
                              f"indices[{', '.join(str(int(p)) for p in pos)}]")
    return np.where(idx < 0, idx + n, idx)


def gather_elements(data, indices, out, *, axis):
    idx = normalised(indices, data.shape[axis], lambda pos: f"on axis {axis}")
    inner = tuple(slice(None) if d == axis else slice(0, s) for d, s in enumerate(indices.shape))
    out[...] = np.take_along_axis(data[inner], idx, axis=axis)


def check_elements(ins, out, axis, where):
    """GATHER_ELEMENTS and SCATTER_ELEMENTS: data and indices of one rank >= 1, axis inside
    it, INT64 or INT32 indices no larger than data but on axis; out of data's dtype."""
    x, ix = dims(ins[0]), dims(ins[1])
    require(len(x) >= 1 and len(ix) == len(x), f"{where}: data {x} and indices {ix} need one rank >= 1")
    require(0 <= axis < len(x), f"{where}: axis {axis} out of range for rank {len(x)}")
    require(ins[1].dtype in INDEX_DTYPES, f"{where}: indices must be INT64 or INT32")
    require(all(i <= n for d, (i, n) in enumerate(zip(ix, x)) if d != axis),
            f"{where}: indices {ix} larger than data {x} on a dimension other than axis {axis}")
    require(out.dtype == ins[0].dtype, f"{where}: data and output dtypes differ")


def check(ins, out, options, where, int8):
    check_elements(ins, out, options.axis, where)
    require(dims(out) == dims(ins[1]), f"{where}: output {dims(out)} must have the indices' shape {dims(ins[1])}")
