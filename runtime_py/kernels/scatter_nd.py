"""SCATTER_ND: out = data, then for each index tuple t = indices[p] (p in row-major order,
k = indices.shape[-1] components) the slice out[t] = reduce(out[t], updates[p]) (ONNX
ScatterND, torch index_put); reductions as SCATTER_ELEMENTS. Each component counts from
the end when negative; one outside [-n, n) is a run-time error. `axis` is not used."""
import numpy as np

from runtime_py.kernels._checks import dims, require
from runtime_py.kernels.gather_elements import INDEX_DTYPES, normalised
from runtime_py.kernels.scatter_elements import UFUNCS, assign_last, check_reduction
from schema import fb


def scatter_nd(data, indices, updates, out, *, axis, reduction):
    k = indices.shape[-1]
    idx = normalised(indices, np.array(data.shape[:k], np.int64),
                     lambda pos: f"for data dimension {pos[-1]}").reshape(-1, k)
    out[...] = data
    rows = np.ravel_multi_index(tuple(idx.T), data.shape[:k]) if idx.size else np.zeros(0, np.int64)
    flat = out.reshape((-1,) + data.shape[k:])            # (rows, slice...)
    values = updates.reshape((-1,) + data.shape[k:])      # (m, slice...)
    if reduction == fb.Reduction.NONE:
        assign_last(flat, rows, values)
    else:
        with np.errstate(all="ignore"):   # NaN and overflow are values here, as in C
            UFUNCS[reduction].at(flat, rows, values)


def check(ins, out, options, where, int8):
    check_reduction(options, where)
    x, ix, up = dims(ins[0]), dims(ins[1]), dims(ins[2])
    require(ins[1].dtype in INDEX_DTYPES, f"{where}: indices must be INT64 or INT32")
    require(len(ix) >= 1 and 1 <= ix[-1] <= len(x),
            f"{where}: indices {ix} need a last dimension in [1, {len(x)}] (data {x})")
    require(up == ix[:-1] + x[ix[-1]:], f"{where}: updates {up} must be indices[:-1] + data[{ix[-1]}:], "
            f"{ix[:-1] + x[ix[-1]:]}")
    require(ins[2].dtype == ins[0].dtype and out.dtype == ins[0].dtype, f"{where}: data, updates and output "
            f"dtypes differ")
    require(dims(out) == x, f"{where}: output {dims(out)} must have the data's shape {x}")
