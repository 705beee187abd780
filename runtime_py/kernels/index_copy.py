"""INDEX_COPY (2.4): dst[..., index[i], ...] = src[..., i, ...] along `axis`, in place on the
state tensor dst (input 0 and the output are the same tensor). Every position is checked
before anything is written: one outside [0, dst.shape[axis]) is an error."""
import numpy as np

from runtime_py.kernels._checks import dims, require
from runtime_py.kernels.gather import IndexOutOfRange
from schema import fb


def index_copy(dst, index, src, out, *, axis):
    n = out.shape[axis]
    if index.size and (index.min() < 0 or index.max() >= n):
        bad = int(index[(index < 0) | (index >= n)].flat[0])
        raise IndexOutOfRange(f"position {bad} outside [0, {n}) on axis {axis} of the state (nothing written)")
    moved = np.moveaxis(out, axis, 0)
    for i, p in enumerate(index.reshape(-1).tolist()):      # in order: a repeated position keeps the last
        moved[p] = np.take(src, i, axis=axis)


def check(ins, out, options, where, int8):
    """dst (input 0) is the output; index 1-D INT64/INT32; src of dst's dtype and shape but
    len(index) on the axis."""
    dst, index, src, axis = dims(ins[0]), dims(ins[1]), dims(ins[2]), options.axis
    require(0 <= axis < len(dst), f"{where}: axis {axis} out of range for rank {len(dst)}")
    require(ins[1].dtype in (fb.DType.INT64, fb.DType.INT32) and len(index) == 1,
            f"{where}: the positions must be a 1-D INT64 or INT32 tensor")
    require(ins[0].dtype == ins[2].dtype == out.dtype and dims(out) == dst,
            f"{where}: the state, the source and the output must share a dtype (and the output is the state)")
    want = dst[:axis] + [index[0]] + dst[axis + 1:]
    require(src == want, f"{where}: source {src} must be {want} ({index[0]} positions on axis {axis})")
