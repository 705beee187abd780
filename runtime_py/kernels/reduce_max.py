"""REDUCE_MAX: max over `axes` (sorted, distinct); keep_dims keeps them as size 1."""
from runtime_py.kernels import _checks
from runtime_py.kernels._checks import dims, ints, require


def reduce_max(x, out, *, axes, keep_dims=False):
    out[...] = x.max(axis=tuple(axes), keepdims=keep_dims)


def check(ins, out, options, where, int8):
    """As every reduction; and no maximum over an empty axis (it has no identity)."""
    _checks.reduce(ins, out, options, where, int8)
    x, axes = dims(ins[0]), set(ints(options.axes))
    require(all(x[a] > 0 for a in axes) or 0 in dims(out),
            f"{where}: maximum over an empty axis: the reduction has no identity")
    require(ins[0].dtype == out.dtype, f"{where}: input and output dtypes must agree")
