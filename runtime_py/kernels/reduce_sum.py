"""REDUCE_SUM: sum over `axes` (sorted, distinct); keep_dims keeps them as size 1."""


def reduce_sum(x, out, *, axes, keep_dims=False):
    out[...] = x.sum(axis=tuple(axes), keepdims=keep_dims)
