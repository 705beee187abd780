"""Lowerings of ordering and products: argmax / argmin (ARG_MAX, ARG_MIN), max / min along a
dim (values by REDUCE_MAX, indices by ARG_*), topk, sort and argsort (TOPK for the indices,
GATHER_ELEMENTS for the values), prod (REDUCE_PROD)."""
from __future__ import annotations

import operator

import numpy as np
import torch

from exporter.frontends.torch.context import Unsupported, _axis, numpy_dtype
from exporter.frontends.torch.registry import lowers

aten = torch.ops.aten


def _reads(ctx, index):
    """Some user of the current (tuple-valued) node reads output `index`."""
    return any(u.target is operator.getitem and u.args[1] == index for u in ctx.node.users)


def _ordered(ctx, src):
    """src as ARG_* and TOPK take it: BOOL compared as UINT8 (False < True)."""
    return ctx.cast(src, np.uint8) if ctx.dtype_of(src) == np.bool_ else src


def _arg(op):
    """argmax / argmin(x, dim=None, keepdim=False): dim None (or a scalar x) picks from the
    flattened input, then takes torch's output shape."""
    def lower(ctx, x, dim=None, keepdim=False):
        src = _ordered(ctx, ctx.t(x))
        rank = len(ctx.dims_of(src))
        if dim is not None and rank > 0:
            return ctx.emit(op, [src], axis=_axis(dim, rank), keep_dims=bool(keepdim), select_last_index=False)
        if rank != 1:
            src = ctx.reshape(src, (ctx.dim(ctx.meta(x).numel()),))
        idx = ctx.emit(op, [src], [ctx.new(np.int64, ())], axis=0, keep_dims=False, select_last_index=False)
        out = ctx.dims(ctx.meta().shape)
        return idx if out == () else ctx.reshape(idx, out)
    return lower


lowers(aten.argmax.default)(_arg("ARG_MAX"))
lowers(aten.argmin.default)(_arg("ARG_MIN"))


def _min_values(ctx, src, axis, keepdim, out):
    """min along axis as a maximum of order-reversed values, reversed back (exact): -x for
    floats (NaN stays NaN), c - x with c all one bits (-1, or 255 for UINT8) for integers,
    NOT for BOOL."""
    dtype, dims = ctx.dtype_of(src), ctx.dims_of(src)
    if dtype == np.bool_:
        flip = lambda v, o: ctx.emit("LOGICAL_NOT", [v], [o])  # noqa: E731
    elif dtype == np.float32:
        flip = lambda v, o: ctx.emit("NEG", [v], [o])  # noqa: E731
    else:
        c = ctx.graph.add_constant("all_ones", np.array(-1).astype(dtype))
        flip = lambda v, o: ctx.emit("SUB", [c, v], [o], activation=0)  # noqa: E731
    rev = flip(src, ctx.new(dtype, dims))
    m = ctx.emit("REDUCE_MAX", [rev], [ctx.new(dtype, ctx.dims_of(out))], axes=[axis], keep_dims=bool(keepdim))
    return flip(m, out)


@lowers(aten.max.dim, aten.min.dim)
def _max_min_dim(ctx, x, dim, keepdim=False):
    """(values, indices) along dim: the first extreme (a NaN wins), as torch."""
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    if rank == 0:
        raise Unsupported("max / min along a dim of a scalar")
    axis, is_max = _axis(dim, rank), ctx.node.target is aten.max.dim
    values = indices = None
    if _reads(ctx, 0):
        values = ctx.out(index=0)
        if is_max:
            ctx.emit("REDUCE_MAX", [src], [values], axes=[axis], keep_dims=bool(keepdim))
        else:
            _min_values(ctx, src, axis, keepdim, values)
    if _reads(ctx, 1):
        indices = ctx.emit("ARG_MAX" if is_max else "ARG_MIN", [_ordered(ctx, src)], [ctx.out(index=1)], axis=axis,
                           keep_dims=bool(keepdim), select_last_index=False)
    return (values, indices)


def _topk(ctx, x, axis, largest):
    """(values, indices) of TOPK along axis with k = torch's output size there: the indices
    in a stable order, the values GATHER_ELEMENTS of them (each emitted when read)."""
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    if rank == 0:
        raise Unsupported("topk / sort of a scalar")
    axis = _axis(axis, rank)
    indices = ctx.emit("TOPK", [_ordered(ctx, src)], [ctx.out(index=1)], axis=axis, largest=bool(largest))
    values = None
    if _reads(ctx, 0):
        values = ctx.emit("GATHER_ELEMENTS", [src, indices], [ctx.out(index=0)], axis=axis)
    return (values, indices)


@lowers(aten.topk.default)
def _topk_default(ctx, x, k, dim=-1, largest=True, sorted=True):
    """Always sorted (sorted=False leaves the order to the implementation)."""
    return _topk(ctx, x, dim, largest)


@lowers(aten.sort.default)
def _sort(ctx, x, dim=-1, descending=False):
    """A stable sort (torch's CPU sort is stable; NaN last ascending, first descending)."""
    return _topk(ctx, x, dim, descending)


@lowers(aten.sort.stable)
def _sort_stable(ctx, x, *, stable=None, dim=-1, descending=False):
    return _topk(ctx, x, dim, descending)


@lowers(aten.prod.default, aten.prod.dim_int)
def _prod(ctx, x, *args, dtype=None, **kwargs):
    """prod(x, dtype=None) or prod(x, dim, keepdim=False, dtype=None): integers multiply in
    int64 (REDUCE_PROD's own rule), floats after a cast to the output's float dtype."""
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    if ctx.node.target is aten.prod.dim_int:
        dim, keepdim = args[0], args[1] if len(args) > 1 else kwargs.get("keepdim", False)
        axes = [_axis(dim, rank)] if rank > 0 else []
    else:
        axes, keepdim = list(range(rank)), False
    want = numpy_dtype(ctx.meta().dtype)
    if want == np.float32 and ctx.dtype_of(src) != want:
        src = ctx.cast(src, want)
    return ctx.emit("REDUCE_PROD", [src], axes=axes, keep_dims=bool(keepdim))
