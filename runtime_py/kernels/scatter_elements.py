"""SCATTER_ELEMENTS: out = data, then for every position i of indices in row-major order
out[j] = reduce(out[j], updates[i]), j = i with j[axis] = indices[i] (torch.scatter,
scatter_add, scatter_reduce; ONNX ScatterElements). NONE assigns (a later position wins);
ADD, MUL, MAX, MIN combine one update at a time, in order (numpy's ufunc.at)."""
import numpy as np

from runtime_py.kernels._checks import dims, require
from runtime_py.kernels.gather_elements import check_elements, normalised
from schema import fb

UFUNCS = {fb.Reduction.ADD: np.add, fb.Reduction.MUL: np.multiply, fb.Reduction.MAX: np.maximum,
          fb.Reduction.MIN: np.minimum}
REDUCTIONS = (fb.Reduction.NONE, *UFUNCS)


def assign_last(flat, rows, values):
    """flat[rows[p]] = values[p] for every p, the last p winning where rows repeat."""
    _, first = np.unique(rows[::-1], return_index=True)
    keep = rows.size - 1 - first
    flat[rows[keep]] = values[keep]


def scatter_elements(data, indices, updates, out, *, axis, reduction):
    idx = normalised(indices, data.shape[axis], lambda pos: f"on axis {axis}")
    out[...] = data
    at = list(np.broadcast_arrays(*np.indices(indices.shape, sparse=True)))
    at[axis] = idx
    if reduction == fb.Reduction.NONE:
        rows = np.ravel_multi_index(tuple(at), out.shape) if idx.size else np.zeros(0, np.int64)
        assign_last(out.reshape(-1), rows.reshape(-1), updates.reshape(-1))
    else:
        with np.errstate(all="ignore"):   # NaN and overflow are values here, as in C
            UFUNCS[reduction].at(out, tuple(at), updates)


def check_reduction(options, where):
    require(options.reduction in REDUCTIONS, f"{where}: reduction {options.reduction} not in the Reduction enum")


def check(ins, out, options, where, int8):
    check_reduction(options, where)
    check_elements(ins, out, options.axis, where)
    require(dims(ins[2]) == dims(ins[1]), f"{where}: updates {dims(ins[2])} and indices {dims(ins[1])} differ in shape")
    require(dims(out) == dims(ins[0]), f"{where}: output {dims(out)} must have the data's shape {dims(ins[0])}")
    require(ins[2].dtype == ins[0].dtype, f"{where}: updates and data dtypes differ")
