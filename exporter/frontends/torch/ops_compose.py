"""Lowerings composed of existing Ember ops: group norm, 1-D and 3-D pooling (3-D windows
are boxes, so a pool over D x H x W is a pool over H x W then one over D), flip, diagonal,
copy, as_strided (a GATHER of the flattened input at the view's element offsets), cdist and
pdist, and embedding_bag with constant offsets."""
from __future__ import annotations

import operator

import numpy as np
import torch

from exporter.frontends.torch.context import Unsupported, _axis, numpy_dtype
from exporter.frontends.torch.registry import lowers
from exporter.ir import Dim

aten = torch.ops.aten


def _static(ctx, name, what, skip=0):
    """The sizes of `name` from dimension `skip` on, which `what` needs fixed."""
    dims = ctx.dims_of(name)[skip:]
    if not all(d.is_static for d in dims):
        raise Unsupported(f"{what} needs fixed sizes (here some are dynamic)")
    return [d.add for d in dims]


def _no_extra_outputs(ctx, what):
    for user in ctx.node.users:
        if user.target is operator.getitem and user.args[1] != 0:
            raise Unsupported(f"{what}: only the first output is supported")


def _triple(v):
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return v * 3 if len(v) == 1 else v


# ---- normalization ----------------------------------------------------------
@lowers(aten.native_group_norm.default)
def _group_norm(ctx, x, weight, bias, n, c, hw, group, eps):
    """(N, C, *) -> (N, G, C/G * rest): a LAYER_NORM over the last axis is the group's
    normalization; then the per-channel affine."""
    _no_extra_outputs(ctx, "group norm's mean and rstd")
    src = ctx.t(x, np.float32)
    dims = ctx.dims_of(src)
    sizes = _static(ctx, src, "group norm", skip=1)
    channels, rest = sizes[0], int(np.prod(sizes[1:], dtype=np.int64))
    grouped = ctx.reshape(src, (dims[0], Dim.static(group), Dim.static(channels // group * rest)))
    normed = ctx.emit("LAYER_NORM", [grouped, None, None], [ctx.new(np.float32, ctx.dims_of(grouped))],
                      axis=2, epsilon=float(eps))
    out = ctx.reshape(normed, dims)
    per_channel = (channels,) + (1,) * (len(dims) - 2)
    if weight is not None:
        w = ctx.reshape(ctx.t(weight, np.float32), tuple(Dim.static(s) for s in per_channel))
        out = ctx.emit("MUL", [out, w], [ctx.new(np.float32, dims)], activation=0)
    if bias is not None:
        b = ctx.reshape(ctx.t(bias, np.float32), tuple(Dim.static(s) for s in per_channel))
        out = ctx.emit("ADD", [out, b], [ctx.new(np.float32, dims)], activation=0)
    return out, None, None


# ---- 1-D and 3-D pooling ------------------------------------------------------
def _pool2d(ctx, op, src, out_dims, k, s, pads, dilation=(1, 1), count_include_pad=False, divisor=0):
    """One MAX_POOL2D / AVG_POOL2D; pads = (top, left, bottom, right)."""
    return ctx.emit(op, [src], [ctx.new(np.float32, out_dims)], kernel_h=k[0], kernel_w=k[1], stride_h=s[0],
                    stride_w=s[1], pad_top=pads[0], pad_left=pads[1], pad_bottom=pads[2], pad_right=pads[3],
                    dilation_h=dilation[0], dilation_w=dilation[1], count_include_pad=bool(count_include_pad),
                    divisor=int(divisor))


def _pooled(n, k, s, p, d, ceil):
    """torch's pooled size, and the bottom padding that floor division needs for it."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:     # the last window must start inside the input or left pad
        out -= 1
    need = (out - 1) * s + (k - 1) * d + 1 - (n + 2 * p)
    return out, p + max(need, 0)


def _pool3d(ctx, op, x, kernel, stride, padding, dilation, ceil_mode, count_include_pad=False, divisor=None):
    """(N, C, D, H, W) or (C, D, H, W): the H x W pool on (lead, D, H, W) viewed as
    (lead*D, H, W) planes, then the D pool on (lead, D, OH*OW) with a (kd, 1) window."""
    src = ctx.t(x, np.float32)
    dims = ctx.dims_of(src)
    lead, (d, h, w) = dims[:-3], _static(ctx, src, "3-D pooling", skip=len(dims) - 3)
    k, s = _triple(kernel), _triple(stride) if stride else _triple(kernel)
    p, dil = _triple(padding), _triple(dilation)
    sized = [_pooled(n, k[i], s[i], p[i], dil[i], ceil_mode) for i, n in enumerate((d, h, w))]
    (od, bd), (oh, bh), (ow, bw) = sized
    if op == "AVG_POOL2D" and ceil_mode and any(b != pi for (_, b), pi in zip(sized, p)):
        raise Unsupported("avg_pool3d with ceil_mode changing the output size")
    lead_n = lead if len(lead) == 2 else (Dim.static(1),) + tuple(lead)
    planes = ctx.reshape(src, (lead_n[0], _times(lead_n[1], d), Dim.static(h), Dim.static(w)))
    first_div = 1 if divisor else 0
    hw = _pool2d(ctx, op, planes, (lead_n[0], _times(lead_n[1], d), Dim.static(oh), Dim.static(ow)),
                 (k[1], k[2]), (s[1], s[2]), (p[1], p[2], bh, bw), (dil[1], dil[2]), count_include_pad, first_div)
    rows = ctx.reshape(hw, (lead_n[0], lead_n[1], Dim.static(d), Dim.static(oh * ow)))
    out = _pool2d(ctx, op, rows, (lead_n[0], lead_n[1], Dim.static(od), Dim.static(oh * ow)), (k[0], 1),
                  (s[0], 1), (p[0], 0, bd, 0), (dil[0], 1), count_include_pad, divisor or 0)
    return ctx.reshape(out, tuple(lead) + (Dim.static(od), Dim.static(oh), Dim.static(ow)))


def _times(dim, k):
    """A dimension times a static factor."""
    if dim.is_static:
        return Dim.static(dim.add * k)
    if dim.program or dim.add:
        raise Unsupported("3-D pooling over a dynamic channel count")
    return Dim(dim.coeff * k, 0, dim.sym_a, dim.sym_b)


@lowers(aten.avg_pool3d.default)
def _avg_pool3d(ctx, x, kernel, stride=(), padding=0, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
    return _pool3d(ctx, "AVG_POOL2D", x, kernel, stride, padding, 1, ceil_mode, count_include_pad,
                   divisor_override)


def indices_used(ctx):
    return any(u.target is operator.getitem and u.args[1] != 0 for u in ctx.node.users)


@lowers(aten.max_pool3d_with_indices.default)
def _max_pool3d(ctx, x, kernel, stride=(), padding=0, dilation=1, ceil_mode=False):
    if indices_used(ctx):
        return max_pool_with_indices(ctx, x, kernel, stride, padding, dilation, ceil_mode, 3)
    return _pool3d(ctx, "MAX_POOL2D", x, kernel, stride, padding, dilation, ceil_mode), None


@lowers(aten._adaptive_avg_pool3d.default)
def _adaptive_avg_pool3d(ctx, x, output_size):
    src = ctx.t(x, np.float32)
    rank = len(ctx.dims_of(src))
    out = _triple(output_size)
    if out == [1, 1, 1]:
        return ctx.emit("REDUCE_MEAN", [src], axes=[rank - 3, rank - 2, rank - 1], keep_dims=True)
    sizes = _static(ctx, src, "adaptive 3-D average pooling", skip=rank - 3)
    if any(n % o for n, o in zip(sizes, out)):
        raise Unsupported(f"adaptive average pool from {sizes} to {out} (not a divisor)")
    k = [n // o for n, o in zip(sizes, out)]
    return _pool3d(ctx, "AVG_POOL2D", x, k, k, 0, 1, False, True)


def _as_2d(ctx, src):
    """(N, C, L) or (C, L) viewed as (N, C, 1, L)."""
    dims = ctx.dims_of(src)
    lead = dims[:-1] if len(dims) == 3 else (Dim.static(1),) + tuple(dims[:-1])
    return ctx.reshape(src, tuple(lead) + (Dim.static(1), dims[-1]))


@lowers(aten.avg_pool1d.default)
def _avg_pool1d(ctx, x, kernel, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    src = ctx.t(x, np.float32)
    (k,), (p,) = _triple(kernel)[:1], _triple(padding)[:1]
    s = _triple(stride)[0] if stride else k
    length = _static(ctx, src, "avg_pool1d", skip=len(ctx.dims_of(src)) - 1)[0]
    out_len, bottom = _pooled(length, k, s, p, 1, ceil_mode)
    if ceil_mode and bottom != p:
        raise Unsupported("avg_pool1d with ceil_mode changing the output size")
    planes = _as_2d(ctx, src)
    pooled = _pool2d(ctx, "AVG_POOL2D", planes, ctx.dims_of(planes)[:3] + (Dim.static(out_len),), (1, k), (1, s),
                     (0, p, 0, p), count_include_pad=count_include_pad)
    return ctx.reshape(pooled, ctx.dims(ctx.meta().shape))


@lowers(aten.adaptive_avg_pool1d.default)
def _adaptive_avg_pool1d(ctx, x, output_size):
    src = ctx.t(x, np.float32)
    (out_len,) = _triple(output_size)[:1]
    length = _static(ctx, src, "adaptive_avg_pool1d", skip=len(ctx.dims_of(src)) - 1)[0]
    if length % out_len:
        raise Unsupported(f"adaptive average pool from {length} to {out_len} (not a divisor)")
    k = length // out_len
    planes = _as_2d(ctx, src)
    pooled = _pool2d(ctx, "AVG_POOL2D", planes, ctx.dims_of(planes)[:3] + (Dim.static(out_len),), (1, k), (1, k),
                     (0, 0, 0, 0), count_include_pad=True)
    return ctx.reshape(pooled, ctx.dims(ctx.meta().shape))


# ---- data movement -----------------------------------------------------------
def _index_constant(ctx, values):
    return ctx.graph.add_constant("index", np.ascontiguousarray(values, dtype=np.int64))


@lowers(aten.flip.default)
def _flip(ctx, x, dims):
    """A GATHER of the reversed positions on every flipped axis."""
    out = ctx.t(x)
    rank = len(ctx.dims_of(out))
    for axis in sorted({_axis(d, rank) for d in dims}):
        dim = ctx.dims_of(out)[axis]
        if not dim.is_static:
            raise Unsupported("flip of a dynamic dimension")
        if dim.add > 1:
            out = ctx.emit("GATHER", [out, _index_constant(ctx, np.arange(dim.add - 1, -1, -1))],
                           [ctx.new(ctx.dtype_of(out), ctx.dims_of(out))], axis=axis)
    return out


@lowers(aten.diagonal.default)
def _diagonal(ctx, x, offset=0, dim1=0, dim2=1):
    """dim1 and dim2 moved last and joined: the diagonal is a SLICE with step m + 1."""
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    rank = len(dims)
    a, b = _axis(dim1, rank), _axis(dim2, rank)
    if not (dims[a].is_static and dims[b].is_static):
        raise Unsupported("diagonal of dynamic dimensions")
    n, m = dims[a].add, dims[b].add
    rest = [i for i in range(rank) if i not in (a, b)]
    moved = src if rest + [a, b] == list(range(rank)) else ctx.emit(
        "PERMUTE", [src], [ctx.new(ctx.dtype_of(src), tuple(dims[i] for i in rest + [a, b]))], perm=rest + [a, b])
    flat = ctx.reshape(moved, tuple(dims[i] for i in rest) + (Dim.static(n * m),))
    out_dims = ctx.dims(ctx.meta().shape)
    if out_dims[-1].add == 0:
        return ctx.emit("FULL", [], [ctx.new(ctx.dtype_of(src), out_dims)], value=0.0)
    start = offset if offset >= 0 else -offset * m
    return ctx.emit("SLICE", [flat], [ctx.new(ctx.dtype_of(src), out_dims)], axis=len(rest), start=start,
                    step=m + 1)


@lowers(aten.copy.default)
def _copy(ctx, dst, src, non_blocking=False):
    """`dst.copy_(src)` as a value: src broadcast to dst's shape, in dst's dtype."""
    value = ctx.t(src, numpy_dtype(ctx.meta().dtype))
    out_dims = ctx.dims(ctx.meta().shape)
    return value if ctx.dims_of(value) == out_dims else ctx.emit("EXPAND", [value])


@lowers(aten.as_strided.default)
def _as_strided(ctx, x, size, stride, storage_offset=None):
    """A view of a contiguous tensor's elements: a GATHER of the flattened input at the
    element offsets the sizes and strides name (computed at export)."""
    val = x.meta.get("val") if isinstance(x, torch.fx.Node) else None
    if val is None or not val.is_contiguous() or val.storage_offset() != 0:
        raise Unsupported("as_strided of a tensor that is not contiguous from its storage's start")
    src = ctx.t(x)
    numel = int(np.prod(_static(ctx, src, "as_strided"), dtype=np.int64))
    if not all(isinstance(v, int) for v in list(size) + list(stride)):
        raise Unsupported("as_strided with dynamic sizes or strides")
    offsets = np.full(tuple(size), int(storage_offset or 0), dtype=np.int64)
    for axis, (n, st) in enumerate(zip(size, stride)):
        offsets += (np.arange(n, dtype=np.int64) * st).reshape((-1,) + (1,) * (len(size) - axis - 1))
    if offsets.size and (offsets.min() < 0 or offsets.max() >= numel):
        raise Unsupported(f"as_strided reads element {offsets.max()} of a tensor of {numel}")
    flat = ctx.reshape(src, (Dim.static(numel),))
    return ctx.emit("GATHER", [flat, _index_constant(ctx, offsets)], [ctx.out()], axis=0)


# ---- distances ----------------------------------------------------------------
def _norm_of_diff(ctx, diff, p, out_dims):
    """The p-norm over the last axis of `diff`: p = 0 counts nonzeros, inf is the largest
    magnitude, 1 and 2 without a power."""
    dims = ctx.dims_of(diff)
    f32 = lambda d: ctx.new(np.float32, d)  # noqa: E731
    axis = len(dims) - 1
    if p == 0:
        nonzero = ctx.emit("NOT_EQUAL", [diff, ctx.t(0.0)], [ctx.new(np.bool_, dims)])
        ones = ctx.emit("CAST", [nonzero], [f32(dims)])
        return ctx.emit("REDUCE_SUM", [ones], [f32(out_dims)], axes=[axis], keep_dims=False)
    mag = ctx.emit("ABS", [diff], [f32(dims)])
    if p == float("inf"):
        return ctx.emit("REDUCE_MAX", [mag], [f32(out_dims)], axes=[axis], keep_dims=False)
    if p == 1:
        return ctx.emit("REDUCE_SUM", [mag], [f32(out_dims)], axes=[axis], keep_dims=False)
    powered = ctx.emit("MUL", [mag, mag], [f32(dims)], activation=0) if p == 2 else \
        ctx.emit("POW", [mag, ctx.t(float(p))], [f32(dims)], activation=0)
    total = ctx.emit("REDUCE_SUM", [powered], [f32(out_dims)], axes=[axis], keep_dims=False)
    if p == 2:
        return ctx.emit("SQRT", [total], [f32(out_dims)])
    return ctx.emit("POW", [total, ctx.t(1.0 / p)], [f32(out_dims)], activation=0)


def _pair_diff(ctx, a, b):
    """(..., P, M) and (..., R, M) -> (..., P, R, M) differences."""
    da, db = ctx.dims_of(a), ctx.dims_of(b)
    ea = ctx.reshape(a, tuple(da[:-1]) + (Dim.static(1), da[-1]))
    eb = ctx.reshape(b, tuple(db[:-2]) + (Dim.static(1),) + tuple(db[-2:]))
    return ctx.emit("SUB", [ea, eb], [ctx.new(np.float32, tuple(da[:-1]) + (db[-2], da[-1]))], activation=0)


@lowers(aten._cdist_forward.default)
def _cdist(ctx, x1, x2, p, compute_mode=None):
    a, b = ctx.t(x1, np.float32), ctx.t(x2, np.float32)
    return _norm_of_diff(ctx, _pair_diff(ctx, a, b), float(p), ctx.dims(ctx.meta().shape))


@lowers(aten._pdist_forward.default)
def _pdist(ctx, x, p=2.0):
    """cdist(x, x), then the upper triangle's entries (i < j) in row-major order."""
    src = ctx.t(x, np.float32)
    n = _static(ctx, src, "pdist")[0]
    full = _norm_of_diff(ctx, _pair_diff(ctx, src, src), float(p), (Dim.static(n), Dim.static(n)))
    flat = ctx.reshape(full, (Dim.static(n * n),))
    i, j = np.triu_indices(n, k=1)
    return ctx.emit("GATHER", [flat, _index_constant(ctx, i * n + j)], [ctx.out()], axis=0)


@lowers(aten._embedding_bag.default, aten._embedding_bag_forward_only.default)
def _embedding_bag(ctx, weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                   per_sample_weights=None, include_last_offset=False, padding_idx=-1):
    """Bags of equal length given by constant offsets: a GATHER, then a sum, mean or max
    over each bag (mode 0, 1, 2)."""
    _no_extra_outputs(ctx, "embedding_bag's offset2bag, bag_size and max_indices")
    if padding_idx is not None and padding_idx >= 0:
        raise Unsupported("embedding_bag with padding_idx (the bag sizes depend on the data)")
    offs, idx = ctx.const_value(offsets), ctx.t(indices)
    if offs is None:
        raise Unsupported("embedding_bag with offsets computed at run time")
    (count,) = _static(ctx, idx, "embedding_bag")
    bounds = list(offs.tolist()) + ([] if include_last_offset else [count])
    lengths = np.diff(bounds)
    if len(lengths) == 0 or (lengths != lengths[0]).any() or lengths[0] == 0:
        raise Unsupported("embedding_bag with bags of different or zero lengths")
    table = ctx.t(weight, np.float32)
    dim = ctx.dims_of(table)[1]
    bags, length = len(lengths), int(lengths[0])
    rows = ctx.emit("GATHER", [table, idx], [ctx.new(np.float32, (Dim.static(count), dim))], axis=0)
    if per_sample_weights is not None:
        if mode != 0:
            raise Unsupported("embedding_bag per_sample_weights with a mode other than sum")
        w = ctx.reshape(ctx.t(per_sample_weights, np.float32), (Dim.static(count), Dim.static(1)))
        rows = ctx.emit("MUL", [rows, w], [ctx.new(np.float32, (Dim.static(count), dim))], activation=0)
    grouped = ctx.reshape(rows, (Dim.static(bags), Dim.static(length), dim))
    op = {0: "REDUCE_SUM", 1: "REDUCE_MEAN", 2: "REDUCE_MAX"}[int(mode)]
    out = ctx.emit(op, [grouped], [ctx.out(index=0)], axes=[1], keep_dims=False)
    return out, None, None, None


# ---- more layers ----------------------------------------------------------------
@lowers(aten._native_batch_norm_legit.no_stats)
def _batch_stats_norm(ctx, x, weight, bias, training, momentum, eps):
    """Batch norm with the batch's own statistics and no running ones (what InstanceNorm
    runs in inference, on the batch viewed as (1, N*C, ...), and a BatchNorm built with
    track_running_stats=False): channels moved first, a LAYER_NORM over the rest, moved
    back, then the per-channel affine."""
    _no_extra_outputs(ctx, "batch norm's saved mean and rstd")
    src = ctx.t(x, np.float32)
    dims = ctx.dims_of(src)
    rank = len(dims)
    perm = [1, 0] + list(range(2, rank))
    first = ctx.emit("PERMUTE", [src], [ctx.new(np.float32, tuple(dims[i] for i in perm))], perm=perm)
    rest = [d.add for i, d in enumerate(dims) if i != 1]
    if not all(d.is_static for i, d in enumerate(dims) if i != 1):
        raise Unsupported("batch statistics over a dynamic dimension")
    rows = ctx.reshape(first, (dims[1], Dim.static(int(np.prod(rest, dtype=np.int64)))))
    normed = ctx.emit("LAYER_NORM", [rows, None, None], [ctx.new(np.float32, ctx.dims_of(rows))], axis=1,
                      epsilon=float(eps))
    back = ctx.emit("PERMUTE", [ctx.reshape(normed, ctx.dims_of(first))], [ctx.new(np.float32, dims)], perm=perm)
    per_channel = (dims[1],) + (Dim.static(1),) * (rank - 2)
    if weight is not None:
        back = ctx.emit("MUL", [back, ctx.reshape(ctx.t(weight, np.float32), per_channel)],
                        [ctx.new(np.float32, dims)], activation=0)
    if bias is not None:
        back = ctx.emit("ADD", [back, ctx.reshape(ctx.t(bias, np.float32), per_channel)],
                        [ctx.new(np.float32, dims)], activation=0)
    return back, None, None


@lowers(aten.linalg_vector_norm.default)
def _vector_norm(ctx, x, ord=2, dim=None, keepdim=False, dtype=None):
    """The p-norm over `dim` (every axis when None): 0 counts nonzeros, +-inf the largest or
    smallest magnitude, others sum(|x|^p)^(1/p)."""
    src = ctx.t(x, np.float32)
    dims = ctx.dims_of(src)
    rank = len(dims)
    axes = sorted({_axis(d, rank) for d in ([dim] if isinstance(dim, int) else dim)}) if dim else list(range(rank))
    out_dims = ctx.dims(ctx.meta().shape)
    f32 = lambda d: ctx.new(np.float32, d)  # noqa: E731
    p = float(ord)
    reduce = lambda op, t: ctx.emit(op, [t], [f32(out_dims)], axes=axes, keep_dims=bool(keepdim))  # noqa: E731
    if p == 0:
        nonzero = ctx.emit("NOT_EQUAL", [src, ctx.t(0.0)], [ctx.new(np.bool_, dims)])
        return reduce("REDUCE_SUM", ctx.emit("CAST", [nonzero], [f32(dims)]))
    mag = ctx.emit("ABS", [src], [f32(dims)])
    if p == float("inf"):
        return reduce("REDUCE_MAX", mag)
    if p == float("-inf"):
        neg = ctx.emit("NEG", [mag], [f32(dims)])
        return ctx.emit("NEG", [reduce("REDUCE_MAX", neg)], [f32(out_dims)])
    if p == 1:
        return reduce("REDUCE_SUM", mag)
    powered = ctx.emit("MUL", [mag, mag], [f32(dims)], activation=0) if p == 2 else \
        ctx.emit("POW", [mag, ctx.t(p)], [f32(dims)], activation=0)
    total = reduce("REDUCE_SUM", powered)
    if p == 2:
        return ctx.emit("SQRT", [total], [f32(out_dims)])
    return ctx.emit("POW", [total, ctx.t(1.0 / p)], [f32(out_dims)], activation=0)


@lowers(aten.rrelu_with_noise_functional.default)
def _rrelu(ctx, x, noise, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """Inference RReLU: a leaky ReLU with the mean slope (lower + upper) / 2."""
    if training:
        raise Unsupported("RReLU in training mode draws random slopes: call model.eval()")
    src = ctx.t(x)
    slope = (float(lower) + float(upper)) / 2
    scaled = ctx.emit("MUL", [src, ctx.t(slope)], [ctx.new(ctx.dtype_of(src), ctx.dims_of(src))], activation=0)
    return ctx.emit("MAXIMUM", [src, scaled], [ctx.out(index=0)], activation=0), ctx.t(noise)


@lowers(aten._trilinear.default)
def _trilinear(ctx, i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim=1):
    """nn.Bilinear's kernel: each input with size-1 axes inserted at its expand dims, the
    three multiplied (broadcast) and summed over sumdim."""
    names = [ctx.t(i, np.float32) for i in (i1, i2, i3)]
    rank = len(ctx.dims_of(names[0])) + len(expand1)
    views = []
    for name, expand in zip(names, (expand1, expand2, expand3)):
        it = iter(ctx.dims_of(name))
        views.append(ctx.reshape(name, tuple(Dim.static(1) if a in expand else next(it) for a in range(rank))))
    prod = ctx.emit("MUL", views[:2], [ctx.new(np.float32, _broadcast_dims(ctx, views[:2]))], activation=0)
    prod = ctx.emit("MUL", [prod, views[2]], [ctx.new(np.float32, _broadcast_dims(ctx, views))], activation=0)
    if not sumdim:
        return prod
    return ctx.emit("REDUCE_SUM", [prod], [ctx.out()], axes=sorted(sumdim), keep_dims=False)


def _broadcast_dims(ctx, names):
    return tuple(max((ctx.dims_of(n)[a] for n in names), key=lambda d: (not d.is_static, d.add))
                 for a in range(len(ctx.dims_of(names[0]))))


@lowers(aten.adaptive_max_pool3d.default)
def _adaptive_max_pool3d(ctx, x, output_size):
    _no_extra_outputs(ctx, "adaptive max pool indices")
    src = ctx.t(x, np.float32)
    rank = len(ctx.dims_of(src))
    out = _triple(output_size)
    if out == [1, 1, 1]:
        return ctx.emit("REDUCE_MAX", [src], [ctx.out(index=0)], axes=[rank - 3, rank - 2, rank - 1],
                        keep_dims=True), None
    sizes = _static(ctx, src, "adaptive 3-D max pooling", skip=rank - 3)
    if any(n % o for n, o in zip(sizes, out)):
        raise Unsupported(f"adaptive max pool from {sizes} to {out} (not a divisor)")
    k = [n // o for n, o in zip(sizes, out)]
    return _pool3d(ctx, "MAX_POOL2D", x, k, k, 0, 1, False), None


def conv3d(ctx, src, w, bias, stride, padding, dilation, groups):
    """A 3-D convolution as one CONV2D over depth slabs: the KD input slabs that each output
    depth reads (a SLICE per kernel depth, after zero padding D) are stacked as channels
    (N*OD, G*KD*Cg, H, W), in the order of the weight viewed as (O, KD*Cg, KH, KW)."""
    dims = ctx.dims_of(src)
    if len(dims) != 5:
        raise Unsupported("unbatched 3-D convolution (a 4-D input)")
    n, c = dims[:2]
    d, h, wd = _static(ctx, src, "3-D convolution", skip=2)
    o, cg, kd = w.shape[:3]
    (sd, sh, sw), (pd, ph, pw), (dd, dh, dw) = _triple(stride), _triple(padding), _triple(dilation)
    od = (d + 2 * pd - dd * (kd - 1) - 1) // sd + 1
    f32 = lambda shape: ctx.new(np.float32, shape)  # noqa: E731
    if pd:
        src = ctx.emit("PAD", [src], [f32((n, c, Dim.static(d + 2 * pd), Dim.static(h), Dim.static(wd)))],
                       pads=[0, 0, 0, 0, pd, pd, 0, 0, 0, 0], value=0.0)
    slab = (n, Dim.static(1), c, Dim.static(od), Dim.static(h * wd))
    slabs = [ctx.reshape(ctx.emit("SLICE", [src], [f32((n, c, Dim.static(od), Dim.static(h), Dim.static(wd)))],
                                  axis=2, start=k * dd, step=sd), slab) for k in range(kd)]
    stacked = slabs[0] if kd == 1 else ctx.emit("CONCAT", slabs, [f32((n, Dim.static(kd), c, Dim.static(od),
                                                                        Dim.static(h * wd)))], axis=1)
    split = ctx.reshape(stacked, (n, Dim.static(kd), Dim.static(groups), Dim.static(cg), Dim.static(od),
                                  Dim.static(h * wd)))
    perm = [0, 4, 2, 1, 3, 5]
    moved = ctx.emit("PERMUTE", [split], [f32(tuple(ctx.dims_of(split)[i] for i in perm))], perm=perm)
    planes = ctx.reshape(moved, (_times(n, od), Dim.static(groups * kd * cg), Dim.static(h), Dim.static(wd)))
    weight = np.ascontiguousarray(w.transpose(0, 2, 1, 3, 4).reshape(o, kd * cg, w.shape[3], w.shape[4]))
    out_dims = ctx.dims(ctx.meta().shape)
    oh, ow = out_dims[3].add, out_dims[4].add
    y = ctx.emit("CONV2D", [planes, ctx.graph.add_constant("conv_weight", weight), bias],
                 [f32((_times(n, od), Dim.static(o), Dim.static(oh), Dim.static(ow)))], stride_h=sh, stride_w=sw,
                 pad_top=ph, pad_bottom=ph, pad_left=pw, pad_right=pw, dilation_h=dh, dilation_w=dw, groups=groups,
                 activation=0)
    rows = ctx.reshape(y, (n, Dim.static(od), Dim.static(o), Dim.static(oh * ow)))
    back = ctx.emit("PERMUTE", [rows], [f32((n, Dim.static(o), Dim.static(od), Dim.static(oh * ow)))],
                    perm=[0, 2, 1, 3])
    return ctx.reshape(back, out_dims)


# ---- max pooling with indices -----------------------------------------------------
def _window_tables(sizes, outs, k, s, p, d, padded):
    """(P, K) flat positions of every window element in the padded volume, and the same
    elements' flat index in the unpadded input (torch's max pool indices)."""
    grids = np.meshgrid(*[np.arange(n) for n in outs], *[np.arange(n) for n in k], indexing="ij")
    r = len(sizes)
    coords = [grids[i] * s[i] + grids[r + i] * d[i] for i in range(r)]      # in the padded volume
    in_padded = np.ravel_multi_index(coords, padded).reshape(int(np.prod(outs)), int(np.prod(k)))
    unpadded = [c - p[i] for i, c in enumerate(coords)]
    inside = np.all([(u >= 0) & (u < sizes[i]) for i, u in enumerate(unpadded)], axis=0)
    flat = np.ravel_multi_index([np.clip(u, 0, sizes[i] - 1) for i, u in enumerate(unpadded)], sizes)
    return in_padded, np.where(inside, flat, -1).reshape(in_padded.shape)


def max_pool_with_indices(ctx, x, kernel, stride, padding, dilation, ceil_mode, spatial):
    """Values and indices of an N-D max pool (spatial = 1, 2 or 3): the input padded with
    -inf and flattened per plane, a GATHER of every window (P, K), REDUCE_MAX for the
    values, ARG_MAX (the first maximum, as torch) mapped through a constant table to the
    index in the unpadded plane."""
    src = ctx.t(x, np.float32)
    dims = ctx.dims_of(src)
    lead, sizes = tuple(dims[:-spatial]), _static(ctx, src, "max pool indices", skip=len(dims) - spatial)
    fix = lambda v: (list(v) * spatial if len(v) == 1 else list(v)) if isinstance(v, (list, tuple)) else [v] * spatial  # noqa: E731
    k = fix(kernel)
    s, p, d = fix(stride) if stride else k, fix(padding), fix(dilation)
    sized = [_pooled(n, k[i], s[i], p[i], d[i], ceil_mode) for i, n in enumerate(sizes)]
    outs = [o for o, _ in sized]
    padded = [n + p[i] + b for i, (n, (_, b)) in enumerate(zip(sizes, sized))]
    pads = [0, 0] * len(lead) + [v for i in range(spatial) for v in (p[i], sized[i][1])]
    f32 = lambda shape: ctx.new(np.float32, shape)  # noqa: E731
    volume = ctx.emit("PAD", [src], [f32(lead + tuple(Dim.static(n) for n in padded))], pads=pads, value=-np.inf)
    flat = ctx.reshape(volume, lead + (Dim.static(int(np.prod(padded))),))
    windows, unpadded = _window_tables(sizes, outs, k, s, p, d, padded)
    n_win, n_k = windows.shape
    win = ctx.emit("GATHER", [flat, _index_constant(ctx, windows)],
                   [f32(lead + (Dim.static(n_win), Dim.static(n_k)))], axis=len(lead))
    out_dims = lead + tuple(Dim.static(o) for o in outs)
    values = ctx.emit("REDUCE_MAX", [win], [f32(lead + (Dim.static(n_win),))], axes=[len(lead) + 1], keep_dims=False)
    best = ctx.emit("ARG_MAX", [win], [ctx.new(np.int64, lead + (Dim.static(n_win),))], axis=len(lead) + 1,
                    keep_dims=False, select_last_index=False)
    row = ctx.graph.add_constant("window_base", np.arange(n_win, dtype=np.int64) * n_k)
    pick = ctx.emit("ADD", [best, row], [ctx.new(np.int64, lead + (Dim.static(n_win),))], activation=0)
    index = ctx.emit("GATHER", [_index_constant(ctx, unpadded.reshape(-1)), pick],
                     [ctx.new(np.int64, lead + (Dim.static(n_win),))], axis=0)
    return ctx.reshape(values, out_dims), ctx.reshape(index, out_dims)


def conv_transpose3d(ctx, src, w, bias, stride, padding, dilation, groups):
    """A 3-D transposed convolution: one CONV_TRANSPOSE2D over the depth planes (N*D, C, H, W)
    with the kernel depths as extra output channels (C, KD*Og, KH, KW), then each kernel
    depth's planes placed at depths iz*sd + kz*dd (spread by a zero PAD, shifted by PAD) and
    summed; the output's depth window starts at pd."""
    dims = ctx.dims_of(src)
    if len(dims) != 5:
        raise Unsupported("unbatched 3-D transposed convolution (a 4-D input)")
    n, c = dims[:2]
    d = _static(ctx, src, "3-D transposed convolution", skip=2)[0]
    og, kd = w.shape[1], w.shape[2]
    (sd, sh, sw), (pd, ph, pw), (dd, dh, dw) = _triple(stride), _triple(padding), _triple(dilation)
    out_dims = ctx.dims(ctx.meta().shape)
    o, od, oh, ow = out_dims[1].add, out_dims[2].add, out_dims[3].add, out_dims[4].add
    fix = lambda shape: tuple(Dim.static(v) if isinstance(v, int) else v for v in shape)  # noqa: E731
    f32 = lambda shape: ctx.new(np.float32, fix(shape))  # noqa: E731
    moved = ctx.emit("PERMUTE", [src], [f32((n, d, c, dims[3], dims[4]))], perm=[0, 2, 1, 3, 4])
    planes = ctx.reshape(moved, (_times(n, d), c, dims[3], dims[4]))
    weight = np.ascontiguousarray(w.transpose(0, 2, 1, 3, 4).reshape(w.shape[0], kd * og, w.shape[3], w.shape[4]))
    y = ctx.emit("CONV_TRANSPOSE2D", [planes, ctx.graph.add_constant("conv_weight", weight), None],
                 [f32((_times(n, d), groups * kd * og, oh, ow))], stride_h=sh, stride_w=sw, pad_top=ph,
                 pad_bottom=ph, pad_left=pw, pad_right=pw, dilation_h=dh, dilation_w=dw, groups=int(groups),
                 activation=0)
    split = ctx.reshape(y, fix((n, d, groups, kd, og, oh * ow)))
    per_depth = ctx.emit("PERMUTE", [split], [f32((n, kd, groups, og, d, oh * ow))], perm=[0, 3, 2, 4, 1, 5])
    spread = ctx.reshape(per_depth, fix((n, kd, o, d, 1, oh * ow)))
    if sd > 1:
        spread = ctx.emit("PAD", [spread], [f32((n, kd, o, d, sd, oh * ow))],
                          pads=[0, 0, 0, 0, 0, 0, 0, 0, 0, sd - 1, 0, 0], value=0.0)
    spread = ctx.reshape(spread, fix((n, kd, o, d * sd, oh * ow)))
    total = max((kd - 1) * dd + d * sd, pd + od)
    out = None
    for kz in range(kd):
        one = ctx.emit("SLICE", [spread], [f32((n, 1, o, d * sd, oh * ow))], axis=1, start=kz, step=1)
        placed = ctx.emit("PAD", [one], [f32((n, 1, o, total, oh * ow))],
                          pads=[0, 0, 0, 0, 0, 0, kz * dd, total - kz * dd - d * sd, 0, 0], value=0.0)
        out = placed if out is None else ctx.emit("ADD", [out, placed], [f32((n, 1, o, total, oh * ow))],
                                                  activation=0)
    window = ctx.emit("SLICE", [out], [f32((n, 1, o, od, oh * ow))], axis=3, start=pd, step=1)
    result = ctx.reshape(window, out_dims)
    if bias is not None:
        b = ctx.reshape(ctx.t(bias, np.float32), (Dim.static(o), Dim.static(1), Dim.static(1), Dim.static(1)))
        result = ctx.emit("ADD", [result, b], [f32(out_dims)], activation=0)
    return result


@lowers(aten.col2im.default)
def _col2im(ctx, x, output_size, kernel_size, dilation, padding, stride):
    """F.fold: every column entry (N, C*KH*KW, L) added at its place in the padded image, a
    SCATTER_ELEMENTS with reduction ADD over the flattened padded plane (a constant index
    table), then the padding sliced away."""
    src = ctx.t(x, np.float32)
    dims = ctx.dims_of(src)
    batched = len(dims) == 3
    if not batched:
        src = ctx.reshape(src, (Dim.static(1),) + tuple(dims))
        dims = ctx.dims_of(src)
    (h, w), (kh, kw) = [int(v) for v in output_size], [int(v) for v in kernel_size]
    (dh, dw), (ph, pw), (sh, sw) = [[int(v) for v in (t if len(t) == 2 else list(t) * 2)]
                                    for t in (dilation, padding, stride)]
    n, ck, length = dims[0], _static(ctx, src, "col2im", skip=1)[0], _static(ctx, src, "col2im", skip=2)[0]
    c = ck // (kh * kw)
    hp, wp = h + 2 * ph, w + 2 * pw
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    if oh * ow != length:
        raise Unsupported(f"col2im: {length} blocks, but the sizes give {oh}x{ow}")
    i, j, r, q = np.meshgrid(np.arange(kh), np.arange(kw), np.arange(oh), np.arange(ow), indexing="ij")
    positions = ((r * sh + i * dh) * wp + (q * sw + j * dw)).reshape(1, 1, kh * kw * length)
    f32 = lambda shape: ctx.new(np.float32, tuple(Dim.static(v) if isinstance(v, int) else v for v in shape))  # noqa: E731
    updates = ctx.reshape(src, (n, Dim.static(c), Dim.static(kh * kw * length)))
    index = ctx.emit("EXPAND", [_index_constant(ctx, positions)],
                     [ctx.new(np.int64, (n, Dim.static(c), Dim.static(kh * kw * length)))])
    zeros = ctx.emit("FULL", [], [f32((n, c, hp * wp))], value=0.0)
    summed = ctx.emit("SCATTER_ELEMENTS", [zeros, index, updates], [f32((n, c, hp * wp))], axis=2, reduction=1)
    image = ctx.reshape(summed, (n, Dim.static(c), Dim.static(hp), Dim.static(wp)))
    if ph:
        image = ctx.emit("SLICE", [image], [f32((n, c, h, wp))], axis=2, start=ph, step=1)
    if pw:
        image = ctx.emit("SLICE", [image], [f32((n, c, h, w))], axis=3, start=pw, step=1)
    return image if batched else ctx.reshape(image, ctx.dims(ctx.meta().shape))
