"""Lowerings of linear algebra, convolution, pooling and reductions."""
from __future__ import annotations

import math
import operator

import numpy as np
import torch

from exporter.frontends.torch.context import Unsupported, _axis, _pair, numpy_dtype
from exporter.frontends.torch.registry import LOWERINGS, lowers
from exporter.ir import Dim

aten = torch.ops.aten


# ---- linear algebra ---------------------------------------------------------
@lowers(aten.addmm.default)
def _addmm(ctx, bias, x, w, beta=1, alpha=1):
    if beta != 1 or alpha != 1:
        raise Unsupported("addmm with beta/alpha other than 1")
    wv = ctx.const_value(w)
    if wv is not None and wv.ndim == 2:
        weight = ctx.graph.add_constant("fc_weight", np.ascontiguousarray(wv.T))
        return ctx.emit("FULLY_CONNECTED", [ctx.t(x), weight, ctx.t(bias)], activation=0)
    prod = ctx.emit("BATCH_MATMUL", [ctx.t(x), ctx.t(w)], [ctx.out()])
    return ctx.emit("ADD", [prod, ctx.t(bias)])


@lowers(aten.mm.default)
def _mm(ctx, x, w):
    wv = ctx.const_value(w)
    if wv is not None and wv.ndim == 2:
        weight = ctx.graph.add_constant("fc_weight", np.ascontiguousarray(wv.T))
        return ctx.emit("FULLY_CONNECTED", [ctx.t(x), weight], activation=0)
    return ctx.emit("BATCH_MATMUL", [ctx.t(x), ctx.t(w)])


@lowers(aten.bmm.default)
def _bmm(ctx, a, b):
    return ctx.emit("BATCH_MATMUL", [ctx.t(a), ctx.t(b)])


@lowers(aten.convolution.default)
def _convolution(ctx, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    if transposed:
        w3 = ctx.const_value(weight)
        if w3 is not None and w3.ndim == 5:
            from exporter.frontends.torch.ops_compose import conv_transpose3d
            return conv_transpose3d(ctx, ctx.t(x, np.float32), w3, bias, stride, padding, dilation, groups)
        from exporter.frontends.torch.ops_spatial import conv_transpose
        return conv_transpose(ctx, x, weight, bias, stride, padding, dilation, groups)
    w = ctx.const_value(weight)
    if w is None:
        raise Unsupported("convolution weights must be constant")
    b = ctx.t(bias) if bias is not None else None
    src = ctx.t(x)
    if w.ndim == 3:          # conv1d as conv2d over a height of 1
        n, c, length = ctx.dims_of(src)
        src = ctx.reshape(src, (n, c, Dim.static(1), length))
        wt = ctx.graph.add_constant("conv_weight", w[:, :, None, :])
        out_dims = ctx.dims(ctx.meta().shape)
        out4 = ctx.new(np.float32, (out_dims[0], out_dims[1], Dim.static(1), out_dims[2]))
        y = ctx.emit("CONV2D", [src, wt, b], [out4], stride_h=1, stride_w=stride[0], pad_top=0,
                     pad_bottom=0, pad_left=padding[0], pad_right=padding[0], dilation_h=1,
                     dilation_w=dilation[0], groups=groups, activation=0)
        return ctx.reshape(y, out_dims)
    if w.ndim == 5:
        from exporter.frontends.torch.ops_compose import conv3d
        return conv3d(ctx, src, w, b, stride, padding, dilation, groups)
    if w.ndim != 4:
        raise Unsupported(f"{w.ndim - 2}-D convolution is not supported")
    wt = ctx.graph.add_constant("conv_weight", w)
    return ctx.emit("CONV2D", [src, wt, b], stride_h=stride[0], stride_w=stride[1],
                    pad_top=padding[0], pad_bottom=padding[0], pad_left=padding[1],
                    pad_right=padding[1], dilation_h=dilation[0], dilation_w=dilation[1],
                    groups=groups, activation=0)


# ---- pooling and reductions -------------------------------------------------
def _static_hw(ctx, name, what):
    """An NCHW tensor's H and W, which `what` needs fixed (not dynamic sizes)."""
    h, w = ctx.dims_of(name)[2:4]
    if not (h.is_static and w.is_static):
        raise Unsupported(f"{what} needs a fixed height and width (here they are dynamic)")
    return h.add, w.add


def _pool_pads(in_size, out_size, k, s, p, d):
    """Bottom/right padding that makes floor division give torch's (ceil-mode) size."""
    need = (out_size - 1) * s + (k - 1) * d + 1 - (in_size + 2 * p)
    return p + max(need, 0)


def _batched(ctx, x):
    """An NCHW tensor, or a CHW one (unbatched) viewed as 1CHW."""
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    return ctx.reshape(src, (Dim.static(1),) + tuple(dims)) if len(dims) == 3 else src


def _unbatched(ctx, out, want):
    """The pool's result `out` in the node's own shape (`want`, maybe CHW)."""
    return ctx.reshape(out, want) if ctx.dims_of(out) != want else out


@lowers(aten.max_pool2d_with_indices.default, aten.max_pool2d.default)
def _max_pool(ctx, x, kernel, stride=(), padding=0, dilation=1, ceil_mode=False):
    from exporter.frontends.torch.ops_compose import indices_used, max_pool_with_indices
    if indices_used(ctx):
        return max_pool_with_indices(ctx, x, kernel, stride, padding, dilation, ceil_mode, 2)
    src = _batched(ctx, x)
    kh, kw = _pair(kernel)
    sh, sw = _pair(stride) if stride else (kh, kw)
    ph, pw = _pair(padding)
    dh, dw = _pair(dilation)
    val = ctx.meta(index=0) if isinstance(ctx.meta(), (tuple, list)) else ctx.meta()
    want = ctx.dims(val.shape)
    out = ctx.new(np.float32, ((Dim.static(1),) + tuple(want)) if len(want) == 3 else want)
    pads = (ph, pw)
    if ceil_mode:     # the extra bottom/right padding depends on the sizes: static ones only
        (in_h, in_w), (oh, ow) = _static_hw(ctx, src, "max_pool2d with ceil_mode"), _static_hw(ctx, out, "")
        pads = (_pool_pads(in_h, oh, kh, sh, ph, dh), _pool_pads(in_w, ow, kw, sw, pw, dw))
    ctx.emit("MAX_POOL2D", [src], [out], kernel_h=kh, kernel_w=kw, stride_h=sh, stride_w=sw,
             pad_top=ph, pad_left=pw, pad_bottom=pads[0], pad_right=pads[1], dilation_h=dh, dilation_w=dw,
             count_include_pad=False, divisor=0)
    out = _unbatched(ctx, out, want)
    return (out, None) if isinstance(ctx.meta(), (tuple, list)) else out


@lowers(aten.avg_pool2d.default)
def _avg_pool(ctx, x, kernel, stride=(), padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    src = _batched(ctx, x)
    kh, kw = _pair(kernel)
    sh, sw = _pair(stride) if stride else (kh, kw)
    ph, pw = _pair(padding)
    if ceil_mode:
        (in_h, in_w), (oh, ow) = _static_hw(ctx, src, "avg_pool2d with ceil_mode"), ctx.meta().shape[-2:]
        if oh != (in_h + 2 * ph - kh) // sh + 1 or ow != (in_w + 2 * pw - kw) // sw + 1:
            raise Unsupported("avg_pool2d with ceil_mode changing the output size")
    want = ctx.dims(ctx.meta().shape)
    if len(want) == 3:
        out = ctx.new(np.float32, (Dim.static(1),) + tuple(want))
        return _unbatched(ctx, _avg_pool_op(ctx, src, out, kh, kw, sh, sw, ph, pw, count_include_pad,
                                            divisor_override), want)
    return _avg_pool_op(ctx, src, ctx.out(), kh, kw, sh, sw, ph, pw, count_include_pad, divisor_override)


def _avg_pool_op(ctx, src, out, kh, kw, sh, sw, ph, pw, count_include_pad, divisor_override):
    return ctx.emit("AVG_POOL2D", [src], [out], kernel_h=kh, kernel_w=kw, stride_h=sh, stride_w=sw,
                    pad_top=ph, pad_left=pw, pad_bottom=ph, pad_right=pw,
                    count_include_pad=bool(count_include_pad), divisor=int(divisor_override or 0))


@lowers(aten._adaptive_avg_pool2d.default, aten.adaptive_avg_pool2d.default)
def _adaptive_avg_pool(ctx, x, output_size):
    src = ctx.t(x)
    oh, ow = _pair(output_size)
    if (oh, ow) == (1, 1):
        return ctx.emit("REDUCE_MEAN", [src], axes=[2, 3], keep_dims=True)
    h, w = _static_hw(ctx, src, f"adaptive average pool to {oh}x{ow}")
    if h % oh or w % ow:
        raise Unsupported(f"adaptive average pool from {h}x{w} to {oh}x{ow} (not a divisor)")
    return ctx.emit("AVG_POOL2D", [src], kernel_h=h // oh, kernel_w=w // ow, stride_h=h // oh,
                    stride_w=w // ow, count_include_pad=True, divisor=0)


@lowers(aten.adaptive_max_pool2d.default)
def _adaptive_max_pool(ctx, x, output_size):
    """Windows of H/OH x W/OW (OH, OW dividing H, W): a MAX_POOL2D; 1x1: a max over H and W.
    The indices output is not supported (a model that reads it is told so)."""
    for user in ctx.node.users:
        if user.target is operator.getitem and user.args[1] != 0:
            raise Unsupported("adaptive max pool indices are not supported")
    src = ctx.t(x)
    oh, ow = _pair(output_size)
    out = ctx.out(index=0)
    if (oh, ow) == (1, 1):
        return ctx.emit("REDUCE_MAX", [src], [out], axes=[2, 3], keep_dims=True), None
    h, w = _static_hw(ctx, src, f"adaptive max pool to {oh}x{ow}")
    if h % oh or w % ow:
        raise Unsupported(f"adaptive max pool from {h}x{w} to {oh}x{ow} (not a divisor)")
    return ctx.emit("MAX_POOL2D", [src], [out], kernel_h=h // oh, kernel_w=w // ow, stride_h=h // oh,
                    stride_w=w // ow, pad_top=0, pad_left=0, pad_bottom=0, pad_right=0, dilation_h=1,
                    dilation_w=1, count_include_pad=False, divisor=0), None


def _reduce(op):
    def lower(ctx, x, dims=None, keepdim=False, dtype=None, **kwargs):
        src = ctx.t(x)
        rank = len(ctx.dims_of(src))
        if dims is None or (isinstance(dims, (list, tuple)) and len(dims) == 0):
            axes = list(range(rank))
        elif isinstance(dims, int):
            axes = [_axis(dims, rank)]
        else:
            axes = sorted({_axis(d, rank) for d in dims})
        want = numpy_dtype(ctx.meta().dtype)
        if op != "REDUCE_ANY" and ctx.dtype_of(src) != want:
            src = ctx.cast(src, want)
        return ctx.emit(op, [src], axes=axes, keep_dims=bool(keepdim))
    return lower


LOWERINGS[aten.mean.dim] = _reduce("REDUCE_MEAN")
LOWERINGS[aten.mean.default] = _reduce("REDUCE_MEAN")
LOWERINGS[aten.sum.dim_IntList] = _reduce("REDUCE_SUM")
LOWERINGS[aten.sum.default] = _reduce("REDUCE_SUM")
LOWERINGS[aten.amax.default] = _reduce("REDUCE_MAX")
LOWERINGS[aten.any.dim] = _reduce("REDUCE_ANY")
LOWERINGS[aten.any.dims] = _reduce("REDUCE_ANY")
LOWERINGS[aten.any.default] = _reduce("REDUCE_ANY")


@lowers(aten.amin.default)
def _amin(ctx, x, dims=(), keepdim=False):
    """-max(-x): exact for floats (integers would wrap at their minimum)."""
    src = ctx.t(x)
    if ctx.dtype_of(src) != np.float32:
        raise Unsupported("amin is supported on float32 only")
    neg = ctx.emit("NEG", [src], [ctx.new(np.float32, ctx.dims_of(src))])
    rank = len(ctx.dims_of(src))
    axes = sorted({_axis(d, rank) for d in dims}) if dims else list(range(rank))
    biggest = ctx.emit("REDUCE_MAX", [neg], [ctx.new(np.float32, ctx.dims(ctx.meta().shape))], axes=axes,
                       keep_dims=bool(keepdim))
    return ctx.emit("NEG", [biggest])


@lowers(aten.var.correction, aten.var.dim)
def _var(ctx, x, dims=None, *args, correction=None, keepdim=False, unbiased=None):
    """mean((x - mean(x))^2) * n / (n - correction) over static reduced dimensions."""
    if ctx.node.target is aten.var.dim:        # var.dim(x, dim, unbiased=True, keepdim=False)
        unbiased = args[0] if args else (True if unbiased is None else unbiased)
        keepdim = args[1] if len(args) > 1 else keepdim
        correction = 1 if unbiased else 0
    src = ctx.t(x, np.float32)
    shape, rank = ctx.dims_of(src), len(ctx.dims_of(src))
    axes = sorted({_axis(d, rank) for d in dims}) if dims else list(range(rank))
    if not all(shape[a].is_static for a in axes):
        raise Unsupported("variance over a dynamic dimension")
    n = int(np.prod([shape[a].add for a in axes]))
    kept = tuple(Dim.static(1) if a in axes else d for a, d in enumerate(shape))
    mean = ctx.emit("REDUCE_MEAN", [src], [ctx.new(np.float32, kept)], axes=axes, keep_dims=True)
    diff = ctx.emit("SUB", [src, mean], [ctx.new(np.float32, shape)], activation=0)
    square = ctx.emit("MUL", [diff, diff], [ctx.new(np.float32, shape)], activation=0)
    correction = 1 if correction is None else float(correction)
    out_dims = ctx.dims(ctx.meta().shape)
    total = ctx.emit("REDUCE_MEAN", [square], [ctx.new(np.float32, out_dims)], axes=axes, keep_dims=bool(keepdim))
    return ctx.emit("MUL", [total, ctx.t(n / (n - correction) if n > correction else math.nan)], activation=0)


@lowers(aten.cumsum.default)
def _cumsum(ctx, x, dim, dtype=None):
    want = numpy_dtype(ctx.meta().dtype)
    src = ctx.t(x, want)
    return ctx.emit("CUMSUM", [src], axis=_axis(dim, len(ctx.dims_of(src))))


