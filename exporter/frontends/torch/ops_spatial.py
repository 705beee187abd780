"""Lowerings of spatial ops: transposed convolution (aten.convolution with transposed=True,
reached from ops_nn._convolution) and grid sampling."""
from __future__ import annotations

import numpy as np
import torch

from exporter.frontends.torch.context import Unsupported
from exporter.frontends.torch.registry import lowers
from exporter.ir import Dim

aten = torch.ops.aten


def conv_transpose(ctx, x, weight, bias, stride, padding, dilation, groups):
    """CONV_TRANSPOSE2D for a 2-D transposed convolution, or a 1-D one over a height of 1.
    The output's size comes from the node (output_padding is implied by it). A weight
    computed in the graph is read from the arena like any tensor."""
    w = ctx.const_value(weight)
    rank = w.ndim if w is not None else len(ctx.meta(weight).shape)
    if rank not in (3, 4):
        raise Unsupported(f"{rank - 2}-D transposed convolution (ConvTranspose{rank - 2}d) is not supported: "
                          "Ember maps 1-D and 2-D")
    src = _float(ctx, ctx.t(x), "input")
    b = _float(ctx, ctx.t(bias), "bias") if bias is not None else None
    out_dims = ctx.dims(ctx.meta().shape)
    batched = len(ctx.dims_of(src)) == rank
    if not batched:                       # an unbatched (C, ...) input: one image
        src = ctx.reshape(src, (Dim.static(1),) + tuple(ctx.dims_of(src)))
        out_dims = (Dim.static(1),) + out_dims
    options = dict(groups=int(groups), activation=0)
    if rank == 3:                         # (N, C, L) as (N, C, 1, L)
        n, c, length = ctx.dims_of(src)
        src = ctx.reshape(src, (n, c, Dim.static(1), length))
        if w is not None:
            wt = ctx.graph.add_constant("conv_weight", w[:, :, None, :])
        else:
            wt = _float(ctx, ctx.t(weight), "weight")
            cw, ow, kw = ctx.dims_of(wt)
            wt = ctx.reshape(wt, (cw, ow, Dim.static(1), kw))
        y4 = ctx.new(np.float32, (out_dims[0], out_dims[1], Dim.static(1), out_dims[2]))
        options.update(stride_h=1, stride_w=int(stride[0]), pad_top=0, pad_bottom=0, pad_left=int(padding[0]),
                       pad_right=int(padding[0]), dilation_h=1, dilation_w=int(dilation[0]))
    else:
        wt = ctx.graph.add_constant("conv_weight", w) if w is not None else _float(ctx, ctx.t(weight), "weight")
        y4 = ctx.new(np.float32, out_dims)
        (sh, sw), (ph, pw), (dh, dw) = _two(stride), _two(padding), _two(dilation)
        options.update(stride_h=sh, stride_w=sw, pad_top=ph, pad_bottom=ph, pad_left=pw, pad_right=pw,
                       dilation_h=dh, dilation_w=dw)
    y = ctx.emit("CONV_TRANSPOSE2D", [src, wt, b], [y4], **options)
    want = ctx.dims(ctx.meta().shape)
    return ctx.reshape(y, want) if ctx.dims_of(y) != want else y


def _two(v):
    v = [int(e) for e in v]
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def _float(ctx, name, what):
    if ctx.dtype_of(name) != np.float32:
        raise Unsupported(f"transposed convolution {what} of dtype {ctx.dtype_of(name)} (Ember takes float32)")
    return name


@lowers(aten.grid_sampler_2d.default)
def _grid_sampler_2d(ctx, x, grid, interpolation_mode, padding_mode, align_corners):
    """GRID_SAMPLE: torch's mode (bilinear 0, nearest 1, bicubic 2) and padding_mode (zeros 0,
    border 1, reflection 2) numbers are the schema's SampleMode and SamplePadding values."""
    if int(interpolation_mode) not in (0, 1, 2) or int(padding_mode) not in (0, 1, 2):
        raise Unsupported(f"grid_sample mode {interpolation_mode}, padding_mode {padding_mode}")
    src, g = ctx.t(x), ctx.t(grid)
    if ctx.dtype_of(src) != np.float32 or ctx.dtype_of(g) != np.float32:
        raise Unsupported("grid_sample of a non-float32 input or grid (Ember takes float32)")
    return ctx.emit("GRID_SAMPLE", [src, g], mode=int(interpolation_mode), padding=int(padding_mode),
                    align_corners=bool(align_corners))
