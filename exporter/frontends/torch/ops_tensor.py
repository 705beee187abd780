"""Lowerings of views, copies and data movement (reshape, permute, cat, slice, pad, index, ...)."""
from __future__ import annotations

import dataclasses

import numpy as np
import torch

from exporter.frontends.torch.context import Unsupported, _axis, numpy_dtype
from exporter.frontends.torch.registry import LOWERINGS, lowers
from exporter.ir import Dim

aten = torch.ops.aten


def _identity(ctx, x, *args, **kwargs):
    return ctx.t(x)


LOWERINGS[aten.clone.default] = _identity
LOWERINGS[aten.alias.default] = _identity
LOWERINGS[aten.detach.default] = _identity
LOWERINGS[aten.lift_fresh_copy.default] = _identity
LOWERINGS[aten.contiguous.default] = _identity


@lowers(aten._to_copy.default)
def _to_copy(ctx, x, dtype=None, **kwargs):
    src = ctx.t(x)
    want = numpy_dtype(ctx.meta().dtype)
    return src if ctx.dtype_of(src) == want else ctx.cast(src, want)


@lowers(aten.view.default, aten._unsafe_view.default, aten.reshape.default,
        aten.squeeze.dims, aten.squeeze.dim, aten.squeeze.default, aten.unsqueeze.default,
        aten.view_copy.default, aten.flatten.using_ints)
def _reshape(ctx, x, *args):
    src = ctx.t(x)
    dims = ctx.dims(ctx.meta().shape)
    if dims == ctx.dims_of(src):
        return src
    return ctx.reshape(src, dims)


@lowers(aten.permute.default)
def _permute(ctx, x, perm):
    src = ctx.t(x)
    perm = [_axis(p, len(perm)) for p in perm]
    if perm == sorted(perm):
        return src
    return ctx.emit("PERMUTE", [src], perm=perm)


@lowers(aten.t.default)
def _t(ctx, x):
    src = ctx.t(x)
    if len(ctx.dims_of(src)) < 2:
        return src
    return ctx.emit("PERMUTE", [src], perm=[1, 0])


@lowers(aten.transpose.int)
def _transpose(ctx, x, a, b):
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    perm = list(range(rank))
    a, b = _axis(a, rank), _axis(b, rank)
    perm[a], perm[b] = perm[b], perm[a]
    return src if a == b else ctx.emit("PERMUTE", [src], perm=perm)


@lowers(aten.expand.default)
def _expand(ctx, x, sizes, implicit=False):
    src = ctx.t(x)
    dims = ctx.dims(ctx.meta().shape)
    if dims == ctx.dims_of(src):
        return src
    return ctx.emit("EXPAND", [src])




@lowers(aten.cat.default)
def _cat(ctx, tensors, dim=0):
    dtype = numpy_dtype(ctx.meta().dtype)
    names = [ctx.t(t, dtype) for t in tensors]
    names = [n for n in names if not (len(ctx.dims_of(n)) == 1 and ctx.dims_of(n)[0] == Dim.static(0))]
    rank = len(ctx.meta().shape)
    if len(names) == 1:
        return names[0]
    return ctx.emit("CONCAT", names, axis=_axis(dim, rank))


def _static_index(value, size_dim, what):
    if isinstance(value, torch.fx.Node) or not isinstance(value, int):
        raise Unsupported(f"{what} must be a constant integer")
    if value < 0:
        if not size_dim.is_static:
            raise Unsupported(f"negative {what} on a dynamic dimension")
        value += size_dim.add
    return max(value, 0)


@lowers(aten.slice.Tensor)
def _slice(ctx, x, dim=0, start=None, end=None, step=1):
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    axis = _axis(dim, len(dims))
    out_dims = ctx.dims(ctx.meta().shape)
    if out_dims == dims:
        return src
    start = 0 if start is None else _static_index(start, dims[axis], "slice start")
    if dims[axis].is_static:
        start = min(start, dims[axis].add)
    return ctx.emit("SLICE", [src], [ctx.new(ctx.dtype_of(src), out_dims)], axis=axis,
                    start=start, step=int(step))


@lowers(aten.select.int)
def _select(ctx, x, dim, index):
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    axis = _axis(dim, len(dims))
    start = _static_index(index, dims[axis], "select index")
    kept = dims[:axis] + (Dim.static(1),) + dims[axis + 1:]
    piece = ctx.emit("SLICE", [src], [ctx.new(ctx.dtype_of(src), kept)], axis=axis, start=start, step=1)
    return ctx.reshape(piece, ctx.dims(ctx.meta().shape))


@lowers(aten.split_with_sizes.default, aten.split.Tensor)
def _split(ctx, x, sizes, dim=0):
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    axis = _axis(dim, len(dims))
    outs, start = [], 0
    for val in ctx.meta():
        out_dims = ctx.dims(val.shape)
        outs.append(ctx.emit("SLICE", [src], [ctx.new(ctx.dtype_of(src), out_dims)],
                             axis=axis, start=start, step=1))
        if not out_dims[axis].is_static:
            raise Unsupported("split along a dynamic dimension")
        start += out_dims[axis].add
    return tuple(outs)


def _torch_pads(rank, padding):
    """Torch's pads (last dimension first, before/after) as Ember's per dimension."""
    pads = [0] * (2 * rank)
    for i in range(len(padding) // 2):
        d = rank - 1 - i
        pads[2 * d], pads[2 * d + 1] = int(padding[2 * i]), int(padding[2 * i + 1])
    return pads


def _pad_and_crop(ctx, op, src, pads, value=0.0):
    """`op` (PAD, REFLECTION_PAD, REPLICATION_PAD) with the positive pads; a negative pad
    crops as torch does: the positive pads first, on the whole input, then a SLICE."""
    if min(pads) >= 0:
        return ctx.emit(op, [src], pads=pads, value=float(value))
    dims, out_dims = ctx.dims_of(src), ctx.dims(ctx.meta().shape)
    grow = [max(p, 0) for p in pads]
    if any(grow):
        grown = tuple(_grown(d, grow[2 * k] + grow[2 * k + 1]) for k, d in enumerate(dims))
        src = ctx.emit(op, [src], [ctx.new(ctx.dtype_of(src), grown)], pads=grow, value=float(value))
    for axis in range(len(dims)):
        before, after = pads[2 * axis], pads[2 * axis + 1]
        if before < 0 or after < 0:
            now = ctx.dims_of(src)
            kept = now[:axis] + (out_dims[axis],) + now[axis + 1:]
            src = ctx.emit("SLICE", [src], [ctx.new(ctx.dtype_of(src), kept)], axis=axis, start=max(-before, 0),
                           step=1)
    return src


@lowers(aten.constant_pad_nd.default)
def _pad(ctx, x, pad, value=0):
    src = ctx.t(x)
    return _pad_and_crop(ctx, "PAD", src, _torch_pads(len(ctx.dims_of(src)), pad), value)


@lowers(aten.reflection_pad1d.default, aten.reflection_pad2d.default, aten.reflection_pad3d.default,
        aten.replication_pad1d.default, aten.replication_pad2d.default, aten.replication_pad3d.default)
def _pad_mode(ctx, x, padding):
    """F.pad modes reflect and replicate: torch's pads pad the last 1-3 dimensions."""
    op = "REFLECTION_PAD" if "reflection" in str(ctx.node.target) else "REPLICATION_PAD"
    src = ctx.t(x)
    return _pad_and_crop(ctx, op, src, _torch_pads(len(ctx.dims_of(src)), padding))


def _grown(dim, n):
    """A dimension n larger (a symbolic one keeps its formula)."""
    if n == 0:
        return dim
    if dim.program:
        raise Unsupported("cropping pads of a dimension computed from dynamic sizes")
    return dataclasses.replace(dim, add=dim.add + n)


@lowers(aten.embedding.default)
def _embedding(ctx, weight, indices, *args):
    return ctx.emit("GATHER", [ctx.t(weight), ctx.t(indices)], axis=0)


@lowers(aten.index_select.default)
def _index_select(ctx, x, dim, index):
    src = ctx.t(x)
    return ctx.emit("GATHER", [src, ctx.t(index)], axis=_axis(dim, len(ctx.dims_of(src))))


@lowers(aten.index.Tensor)
def _index(ctx, x, indices):
    """x[..., i, ...]: one index tensor is a GATHER on its axis. Several (numpy's advanced
    indexing) broadcast together into one linear index over their axes, which are moved
    first and joined (static sizes): a GATHER there, then the result's axes go where numpy
    puts them (at the first indexed axis when those axes are adjacent, else in front)."""
    present = [(i, t) for i, t in enumerate(indices) if t is not None]
    if any(t.meta["val"].dtype == torch.bool for _, t in present):
        raise Unsupported("boolean mask indexing (the result's size depends on the data)")
    if len(present) == 1:
        axis, idx = present[0]
        return ctx.emit("GATHER", [ctx.t(x), ctx.t(idx)], axis=axis)
    return _multi_index(ctx, ctx.t(x), present)


def _multi_index(ctx, src, present):
    dims = ctx.dims_of(src)
    axes = [a for a, _ in present]
    if not all(dims[a].is_static for a in axes):
        raise Unsupported("indexing several dynamic dimensions at once")
    sizes = [dims[a].add for a in axes]
    rest = [a for a in range(len(dims)) if a not in axes]
    moved = src if axes + rest == list(range(len(dims))) else ctx.emit(
        "PERMUTE", [src], [ctx.new(ctx.dtype_of(src), tuple(dims[a] for a in axes + rest))], perm=axes + rest)
    joined = ctx.reshape(moved, (Dim.static(int(np.prod(sizes, dtype=np.int64))),) + tuple(dims[a] for a in rest))
    linear = _linear_index(ctx, [t for _, t in present], sizes)
    lin_dims = ctx.dims_of(linear)
    gathered = ctx.emit("GATHER", [joined, linear],
                        [ctx.new(ctx.dtype_of(src), tuple(lin_dims) + tuple(dims[a] for a in rest))], axis=0)
    adjacent = axes == list(range(axes[0], axes[0] + len(axes)))
    if not adjacent or axes[0] == 0:
        return gathered
    k, lead = len(lin_dims), axes[0]       # the index axes go after the first `lead` kept axes
    perm = list(range(k, k + lead)) + list(range(k)) + list(range(k + lead, k + len(rest)))
    return ctx.emit("PERMUTE", [gathered], [ctx.out()], perm=perm)


def _linear_index(ctx, tensors, sizes):
    """sum_k idx_k * stride_k over the broadcast index tensors, each first made non-negative
    and checked: a constant one here, one computed at run time by a GATHER from arange(n)
    (which fails the run for an index outside [-n, n), as torch raises)."""
    strides = [int(np.prod(sizes[k + 1:], dtype=np.int64)) for k in range(len(sizes))]
    values = [ctx.const_value(t) for t in tensors]
    if all(v is not None for v in values):
        for v, n in zip(values, sizes):
            if v.size and (v.min() < -n or v.max() >= n):
                raise Unsupported(f"index {v.max() if v.max() >= n else v.min()} out of range for size {n}")
        total = sum(np.where(v < 0, v + n, v).astype(np.int64) * st for v, n, st in zip(values, sizes, strides))
        return ctx.graph.add_constant("index", np.ascontiguousarray(total, dtype=np.int64))
    shape = tuple(torch.broadcast_shapes(*[t.meta["val"].shape for t in tensors]))
    out_dims = ctx.dims(shape)
    total = None
    for t, n, st in zip(tensors, sizes, strides):
        idx = ctx.t(t)
        idims = ctx.dims_of(idx)
        positions = ctx.graph.add_constant("positions", np.arange(n, dtype=np.int64))
        fixed = ctx.emit("GATHER", [positions, idx], [ctx.new(np.int64, idims)], axis=0)
        term = ctx.emit("MUL", [fixed, ctx.t(st, np.int64)], [ctx.new(np.int64, idims)], activation=0)
        total = term if total is None else ctx.emit("ADD", [total, term], [ctx.new(np.int64, out_dims)],
                                                    activation=0)
    if ctx.dims_of(total) != out_dims:
        total = ctx.emit("EXPAND", [total], [ctx.new(np.int64, out_dims)])
    return total


@lowers(aten.arange.start_step, aten.arange.default, aten.arange.start)
def _arange(ctx, *args, **kwargs):
    start, step = (0, 1)
    if ctx.node.target is aten.arange.start_step:
        start = args[0]
        step = args[2] if len(args) > 2 else kwargs.get("step", 1)
    elif ctx.node.target is aten.arange.start:
        start = args[0]
    if isinstance(start, torch.fx.Node) or isinstance(step, torch.fx.Node):
        raise Unsupported("arange start and step must be constants")
    return ctx.emit("ARANGE", [], start=float(start), step=float(step))


@lowers(aten.empty.memory_format, aten.empty_strided.default)
def _empty(ctx, *args, **kwargs):
    """Uninitialized memory: zeros (any value is valid; zeros are reproducible)."""
    return ctx.emit("FULL", [], value=0.0)


@lowers(aten.repeat.default)
def _repeat(ctx, x, repeats):
    """Tiling as a view: x (..., a, ...) reshaped with a 1 before each axis, expanded to the
    repeat counts, reshaped to (..., r*a, ...)."""
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    repeats = [int(r) for r in repeats]
    lead = len(repeats) - len(dims)
    if lead < 0 or not all(d.is_static for d in dims):
        raise Unsupported("repeat of a dynamic dimension or with fewer repeats than dimensions")
    sizes = [1] * lead + [d.add for d in dims]
    pairs = [Dim.static(v) for a in sizes for v in (1, a)]
    grown = ctx.reshape(src, tuple(pairs))
    wide = tuple(Dim.static(v) for r, a in zip(repeats, sizes) for v in (r, a))
    tiled = ctx.emit("EXPAND", [grown], [ctx.new(ctx.dtype_of(src), wide)])
    return ctx.reshape(tiled, ctx.dims(ctx.meta().shape))


@lowers(aten.full.default, aten.full_like.default, aten.scalar_tensor.default, aten.fill.Scalar)
def _full(ctx, *args, **kwargs):
    value = args[1] if ctx.node.target is not aten.scalar_tensor.default else args[0]
    if isinstance(value, torch.fx.Node):
        raise Unsupported("fill value must be a constant")
    return ctx.emit("FULL", [], value=float(value))


def _resize_scale(in_size, out_size, scale):
    return float(1.0 / scale) if scale else float(in_size) / float(int(out_size))


@lowers(aten.upsample_nearest2d.vec, aten.upsample_bilinear2d.vec)
def _resize(ctx, x, output_size, *rest):
    bilinear = ctx.node.target is aten.upsample_bilinear2d.vec
    align = bool(rest[0]) if bilinear else False
    scales = rest[1] if bilinear else (rest[0] if rest else None)
    src = ctx.t(x)
    in_dims = ctx.dims_of(src)
    out_shape = ctx.meta().shape
    # no scale factor: the size ratio in / out, at export for static sizes, else at run time
    # (a scale of 0: the runtimes take in / out of the current sizes, as torch does)
    sh, sw = (0.0 if not scales and not (d_in.is_static and d_out.is_static) else
              _resize_scale(d_in.add, size, scales[k] if scales else None)
              for k, (d_in, d_out, size) in enumerate(zip(in_dims[2:], ctx.dims(out_shape)[2:], out_shape[2:])))
    return ctx.emit("RESIZE_BILINEAR" if bilinear else "RESIZE_NEAREST", [src],
                    align_corners=align, scale_h=sh, scale_w=sw)

