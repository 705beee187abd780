"""REDUCE_MAX: max over `axes` (sorted, distinct); keep_dims keeps them as size 1."""


def reduce_max(x, out, *, axes, keep_dims=False):
    out[...] = x.max(axis=tuple(axes), keepdims=keep_dims)
