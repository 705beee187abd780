"""Lowerings of gathers and scatters: torch.gather (GATHER_ELEMENTS); scatter, scatter_add and
scatter_reduce (SCATTER_ELEMENTS; include_self=False and mean composed around it);
index_put, i.e. `x[i, j] = v` and `x.index_put_` (SCATTER_ND over the broadcast index
tensors; a BOOL mask with values that broadcast becomes a WHERE); select_scatter and
slice_scatter (SCATTER_ELEMENTS with constant indices); masked_scatter (a GATHER of the
flattened source at cumsum(mask) - 1, then a WHERE)."""
from __future__ import annotations

import numpy as np
import torch

from exporter.frontends.torch.context import Unsupported, _axis, numpy_dtype
from exporter.frontends.torch.ops_tensor import _static_index
from exporter.frontends.torch.registry import lowers
from exporter.ir import Dim, Node
from schema import fb

aten = torch.ops.aten
ONE = Dim.static(1)
_REDUCTIONS = {"sum": fb.Reduction.ADD, "prod": fb.Reduction.MUL, "amax": fb.Reduction.MAX,
               "amin": fb.Reduction.MIN}


# ---- helpers ------------------------------------------------------------------------------
def _filled(ctx, value, dtype, dims):
    """A tensor of `dims` whose every element is `value` (a scalar constant expanded: exact
    for every dtype, and dynamic sizes work)."""
    scalar = ctx.graph.add_constant("fill", np.array(value, dtype))
    return ctx.emit("EXPAND", [scalar], [ctx.new(dtype, dims, hint="fill")])


def _expand(ctx, name, dims):
    return name if ctx.dims_of(name) == tuple(dims) else ctx.emit("EXPAND", [name], [ctx.new(ctx.dtype_of(name), dims)])


def _permute(ctx, name, perm):
    if perm == sorted(perm):
        return name
    dims = ctx.dims_of(name)
    return ctx.emit("PERMUTE", [name], [ctx.new(ctx.dtype_of(name), [dims[p] for p in perm])], perm=list(perm))


def _indices(ctx, index):
    """An index tensor as INT64 or INT32 (as it is when it is one of those)."""
    name = ctx.t(index)
    return name if ctx.dtype_of(name) in (np.int64, np.int32) else ctx.cast(name, np.int64)


def _broadcast_dims(shapes):
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for d in range(rank):
        sizes = [s[d - rank + len(s)] for s in shapes if d - rank + len(s) >= 0]
        other = [v for v in sizes if v != ONE]
        out.append(other[0] if other else ONE)
    return tuple(out)


def _elements(ctx, op, inputs, axis, dims, **options):
    """GATHER_ELEMENTS or SCATTER_ELEMENTS on `axis` into a new tensor of `dims`; a 0-d tensor
    is one element along its only axis (the ops need rank >= 1): reshaped to (1,) and back."""
    dtype = ctx.dtype_of(inputs[0])
    if dims:
        return ctx.emit(op, inputs, [ctx.new(dtype, dims)], axis=_axis(axis, len(dims)), **options)
    flat = ctx.emit(op, [ctx.reshape(i, (ONE,)) for i in inputs], [ctx.new(dtype, (ONE,))], axis=0, **options)
    return ctx.reshape(flat, ())


def _scatter(ctx, data, axis, index, updates, reduction):
    """SCATTER_ELEMENTS into a new tensor of data's shape."""
    return _elements(ctx, "SCATTER_ELEMENTS", [data, index, updates], axis, ctx.dims_of(data), reduction=reduction)


def _updates(ctx, src, index, dtype):
    """torch.scatter's src, of which only the part of index's shape is read: sliced to it."""
    name = ctx.t(src, dtype)
    want = ctx.dims_of(index)
    for d, (have, need) in enumerate(zip(ctx.dims_of(name), want)):
        if have != need:
            if not (have.is_static and need.is_static):
                raise Unsupported("scatter src larger than index on a dynamic dimension")
            dims = ctx.dims_of(name)[:d] + (need,) + ctx.dims_of(name)[d + 1:]
            name = ctx.emit("SLICE", [name], [ctx.new(dtype, dims)], axis=d, start=0, step=1)
    return name


def _identity(reduce, dtype):
    """The value that `reduce` leaves unchanged, in dtype (-inf for amax of a float, ...)."""
    dtype = np.dtype(dtype)
    if reduce in ("sum", "prod"):
        return reduce == "prod"
    if dtype == np.bool_:
        return reduce == "amin"
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


# ---- gather and scatter along an axis ------------------------------------------------------
@lowers(aten.gather.default)
def _gather(ctx, x, dim, index, sparse_grad=False):
    idx = _indices(ctx, index)
    return _elements(ctx, "GATHER_ELEMENTS", [ctx.t(x), idx], dim, ctx.dims_of(idx))


@lowers(aten.scatter.src, aten.scatter.value, aten.scatter_add.default)
def _scatter_src(ctx, x, dim, index, src):
    dtype = numpy_dtype(ctx.meta().dtype)
    idx = _indices(ctx, index)
    if isinstance(src, torch.fx.Node):
        updates = _updates(ctx, src, idx, dtype)
    else:      # scatter.value: one number for every index
        updates = _filled(ctx, src, dtype, ctx.dims_of(idx))
    reduction = fb.Reduction.ADD if ctx.node.target is aten.scatter_add.default else fb.Reduction.NONE
    return _scatter(ctx, ctx.t(x, dtype), dim, idx, updates, reduction)


@lowers(aten.scatter_reduce.two)
def _scatter_reduce(ctx, x, dim, index, src, reduce, include_self=True):
    """sum, prod, amax, amin: SCATTER_ELEMENTS with that reduction; without self, the
    reduction's identity is first scattered over the targets. mean (float): the sum over
    the count, each a scatter with ADD (the count from ones; untouched elements divide by 1)."""
    dtype = numpy_dtype(ctx.meta().dtype)
    data, idx = ctx.t(x, dtype), _indices(ctx, index)
    updates, idims = _updates(ctx, src, idx, dtype), ctx.dims_of(idx)
    if reduce not in _REDUCTIONS and reduce != "mean":
        raise Unsupported(f"scatter_reduce with reduce={reduce!r}")
    if reduce == "mean" and dtype.kind != "f":
        raise Unsupported("scatter_reduce mean of an integer tensor (torch floors the quotient)")
    if reduce == "mean":
        base = data if include_self else _scatter(ctx, data, dim, idx, _filled(ctx, 0, dtype, idims),
                                                     fb.Reduction.NONE)
        total = _scatter(ctx, base, dim, idx, updates, fb.Reduction.ADD)
        ones = _filled(ctx, 1, dtype, ctx.dims_of(data))
        if not include_self:
            ones = _scatter(ctx, ones, dim, idx, _filled(ctx, 0, dtype, idims), fb.Reduction.NONE)
        count = _scatter(ctx, ones, dim, idx, _filled(ctx, 1, dtype, idims), fb.Reduction.ADD)
        return ctx.emit("DIV", [total, count])
    if not include_self:
        data = _scatter(ctx, data, dim, idx, _filled(ctx, _identity(reduce, dtype), dtype, idims),
                        fb.Reduction.NONE)
    return _scatter(ctx, data, dim, idx, updates, _REDUCTIONS[reduce])


def _constant_positions(ctx, positions, axis, updates):
    """INT64 indices of updates' shape whose value along `axis` is positions[j] at j (a
    constant along axis, expanded over the other dimensions)."""
    dims = ctx.dims_of(updates)
    shape = [1] * len(dims)
    shape[axis] = len(positions)
    const = ctx.graph.add_constant("positions", np.asarray(positions, np.int64).reshape(shape))
    return _expand(ctx, const, dims)


@lowers(aten.select_scatter.default)
def _select_scatter(ctx, x, src, dim, index):
    """x with x.select(dim, index) replaced by src: a SCATTER_ELEMENTS on dim of src with a
    size-1 dim, at the constant index (negative counts from the end)."""
    dtype = numpy_dtype(ctx.meta().dtype)
    data = ctx.t(x, dtype)
    dims = ctx.dims_of(data)
    axis = _axis(dim, len(dims))
    if not isinstance(index, int):
        raise Unsupported("select_scatter index must be a constant integer")
    updates = ctx.reshape(ctx.t(src, dtype), dims[:axis] + (ONE,) + dims[axis + 1:])
    return _scatter(ctx, data, axis, _constant_positions(ctx, [index], axis, updates), updates,
                    fb.Reduction.NONE)


@lowers(aten.slice_scatter.default)
def _slice_scatter(ctx, x, src, dim=0, start=None, end=None, step=1):
    """x with x[start:end:step] on dim replaced by src: a SCATTER_ELEMENTS on dim at the
    constant positions start, start + step, ... (any step)."""
    dtype = numpy_dtype(ctx.meta().dtype)
    data, updates = ctx.t(x, dtype), ctx.t(src, dtype)
    dims = ctx.dims_of(data)
    axis = _axis(dim, len(dims))
    count = ctx.dims_of(updates)[axis]
    if not count.is_static or not isinstance(step, int) or step < 1:
        raise Unsupported("slice_scatter needs a constant step and slice length")
    begin = 0 if start is None else _static_index(start, dims[axis], "slice_scatter start")
    if dims[axis].is_static:
        begin = min(begin, dims[axis].add)
    if count == dims[axis] and begin == 0 and step == 1 and ctx.state_in_place(x) is None:
        return updates
    positions = [begin + step * j for j in range(count.add)]
    state = ctx.state_in_place(x)
    if state is not None:       # `cache[:, a:b] = v` on a buffer: an in-place update of the state
        index = ctx.graph.add_constant("positions", np.array(positions, np.int64))
        return ctx.emit("INDEX_COPY", [state, index, updates], [state], axis=axis)
    return _scatter(ctx, data, axis, _constant_positions(ctx, positions, axis, updates), updates,
                    fb.Reduction.NONE)


# ---- index_put: x[i, j] = v --------------------------------------------------------------------
@lowers(aten.index_put.default)
def _index_put(ctx, x, indices, values, accumulate=False):
    dtype = numpy_dtype(ctx.meta().dtype)
    state = ctx.state_in_place(x)
    if state is not None and not accumulate:
        done = _update_state(ctx, state, indices, values)
        if done is not None:
            return done
    data = ctx.t(x, dtype)
    present = [(d, i) for d, i in enumerate(indices) if i is not None]
    if not present:
        raise Unsupported("index_put without an index tensor")
    present = [(d, ctx.t(i)) for d, i in present]
    if any(ctx.dtype_of(i) in (np.bool_, np.uint8) for _, i in present):
        if len(present) != 1:
            raise Unsupported("index_put with a BOOL mask beside other index tensors")
        return _index_put_mask(ctx, data, present[0][0], ctx.cast(present[0][1], np.bool_) if ctx.dtype_of(
            present[0][1]) != np.bool_ else present[0][1], values, accumulate)
    return _index_put_tuples(ctx, data, present, values, accumulate)


def _update_state(ctx, state, indices, values):
    """`state[:, ..., pos] = values` (index_copy_, index_put_, slice assignment with a tensor
    position): one INDEX_COPY in place, when one 1-D integer index picks positions on one
    axis. None when the indexing is another form (then it is computed as a new tensor)."""
    present = [(d, i) for d, i in enumerate(indices) if i is not None]
    if len(present) != 1:
        return None
    axis, index = present[0][0], ctx.t(present[0][1])
    dims = ctx.dims_of(state)
    if ctx.dtype_of(index).kind not in "iu" or len(ctx.dims_of(index)) != 1:
        return None
    want = dims[:axis] + (ctx.dims_of(index)[0],) + dims[axis + 1:]
    src = ctx.t(values, ctx.dtype_of(state))
    if tuple(ctx.dims_of(src)) != tuple(want):
        if len(ctx.dims_of(src)) > len(want):
            return None
        full = ctx.new(ctx.dtype_of(state), want)
        ctx.graph.nodes.append(Node("EXPAND", [src], [full], {}, ctx.src))
        src = full
    if ctx.dtype_of(index) not in (np.dtype(np.int64), np.dtype(np.int32)):
        index = ctx.cast(index, np.int64)
    return ctx.emit("INDEX_COPY", [state, index, src], [state], axis=axis)


def _index_put_mask(ctx, data, p, mask, values, accumulate):
    """x[..., mask] = v where v broadcasts over the selected elements (a scalar, or values
    for the dimensions after the mask's): WHERE(mask, v, x), or x + v under accumulate. A
    value per selected element would place them by the data: refused."""
    dims, mdims = ctx.dims_of(data), ctx.dims_of(mask)
    rest = dims[p + len(mdims):]
    picked = p + 1 + len(rest)                 # the rank of x[..., mask]: (dims[:p], count, rest)
    value = ctx.t(values, ctx.dtype_of(data))
    vdims = (ONE,) * (picked - len(ctx.dims_of(value))) + ctx.dims_of(value)
    if len(vdims) > picked or vdims[p] != ONE:
        raise Unsupported("x[mask] = values with one value per selected element: where each value lands depends "
                          "on the mask's data (torch.where(mask, values, x) with values of x's shape exports)")
    value = ctx.reshape(value, vdims[:p] + (ONE,) * len(mdims) + vdims[p + 1:])
    mask = ctx.reshape(mask, (ONE,) * p + mdims + (ONE,) * len(rest))
    if accumulate:
        value = ctx.emit("ADD", [data, value], [ctx.new(ctx.dtype_of(data), dims)])
    return ctx.emit("WHERE", [mask, value, data])


def _index_put_tuples(ctx, data, present, values, accumulate):
    """x[i0, i1, ...] = v as SCATTER_ND: the index tensors broadcast to B and stacked along a
    last axis (B, k); x permuted so that the indexed dimensions come first (in order); v
    broadcast to the result of x[i0, i1, ...] and laid out as (B, the other dimensions).
    torch puts B where the index tensors are when they are adjacent, else first."""
    dims = ctx.dims_of(data)
    axes = [d for d, _ in present]
    b = _broadcast_dims([ctx.dims_of(i) for _, i in present])
    if len(present) == 1 and ctx.dtype_of(present[0][1]) == np.int32:
        index = ctx.reshape(present[0][1], b + (ONE,))
    else:
        stacked = [ctx.reshape(_expand(ctx, i if ctx.dtype_of(i) == np.int64 else ctx.cast(i, np.int64), b), b + (ONE,))
                   for _, i in present]
        index = stacked[0] if len(stacked) == 1 else ctx.emit(
            "CONCAT", stacked, [ctx.new(np.int64, b + (Dim.static(len(stacked)),))], axis=len(b))
    others = [d for d in range(len(dims)) if d not in axes]
    adjacent = axes == list(range(axes[0], axes[0] + len(axes)))
    p = axes[0] if adjacent else 0
    result = dims[:p] + b + dims[p + len(axes):] if adjacent else b + tuple(dims[d] for d in others)
    value = _expand(ctx, ctx.t(values, ctx.dtype_of(data)), result)
    value = _permute(ctx, value, list(range(p, p + len(b))) + list(range(p)) + list(range(p + len(b), len(result))))
    perm = axes + others
    inverse = [perm.index(d) for d in range(len(dims))]
    moved = _permute(ctx, data, perm)
    reduction = fb.Reduction.ADD if accumulate else fb.Reduction.NONE
    if moved == data:
        return ctx.emit("SCATTER_ND", [data, index, value], reduction=reduction)
    out = ctx.emit("SCATTER_ND", [moved, index, value], [ctx.new(ctx.dtype_of(data), ctx.dims_of(moved))],
                   reduction=reduction)
    return ctx.emit("PERMUTE", [out], perm=inverse)


# ---- masked_scatter ------------------------------------------------------------------------
@lowers(aten.masked_scatter.default)
def _masked_scatter(ctx, x, mask, source):
    """Positions fixed by the mask's data, shapes not: element i of the (flattened) result is
    source[cumsum(mask)[i] - 1] where mask, else x; a GATHER of the flattened source, then
    a WHERE."""
    dtype = numpy_dtype(ctx.meta().dtype)
    dims = ctx.dims(ctx.meta().shape)
    if not all(d.is_static for d in dims) or not all(d.is_static for d in ctx.dims(source.meta["val"].shape)):
        raise Unsupported("masked_scatter with a dynamic dimension")
    data, m = _expand(ctx, ctx.t(x, dtype), dims), _expand(ctx, ctx.t(mask, np.bool_), dims)
    total, size = int(np.prod([d.add for d in dims])), int(source.meta["val"].numel())
    if size == 0 or total == 0:
        return data
    flat = (Dim.static(total),)
    count = ctx.emit("CUMSUM", [ctx.cast(ctx.reshape(m, flat), np.int64)], [ctx.new(np.int64, flat)], axis=0)
    before = ctx.emit("SUB", [count, ctx.graph.add_constant("one", np.array(1, np.int64))],
                      [ctx.new(np.int64, flat)], activation=0)
    at = ctx.emit("MAXIMUM", [before, ctx.graph.add_constant("zero", np.array(0, np.int64))],
                  [ctx.new(np.int64, flat)], activation=0)
    src = ctx.reshape(ctx.t(source, dtype), (Dim.static(size),))
    picked = ctx.emit("GATHER", [src, at], [ctx.new(dtype, flat)], axis=0)
    return ctx.emit("WHERE", [m, ctx.reshape(picked, dims), data])
