"""ONNX handlers of spatial ops: ConvTranspose (CONV_TRANSPOSE2D) and GridSample (GRID_SAMPLE)."""
from __future__ import annotations

import numpy as np

from exporter.frontends.onnx import reference_fixes
from exporter.frontends.onnx.registry import Unsupported, handles
from exporter.ir import Dim


def _text(a, key, default):
    v = a.get(key, default)
    return v.decode() if isinstance(v, bytes) else v


def _pad_begin(a, size, k, strides, dil, out_pad):
    """The padding before each spatial axis: explicit `pads`; without them, auto_pad SAME_UPPER
    / SAME_LOWER split the total padding that gives `output_shape` (default: size * stride),
    at least 0 as onnx's shape inference takes it, the odd one after (UPPER) or before
    (LOWER); otherwise none (VALID, NOTSET). The output's size is the traced one."""
    n = len(size)
    auto = _text(a, "auto_pad", "NOTSET")
    if "pads" in a:
        begin = [int(p) for p in a["pads"][:n]]
        if min(begin) < 0:
            raise Unsupported(f"ConvTranspose with negative pads {list(a['pads'])}")
        return begin
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        return [0] * n
    out = [int(v) for v in a.get("output_shape", [])][-n:] or [s * st for s, st in zip(size, strides)]
    total = [max(0, st * (s - 1) + op + (kk - 1) * d + 1 - o)
             for st, s, op, kk, d, o in zip(strides, size, out_pad, k, dil, out)]
    return [t // 2 if auto == "SAME_UPPER" else t - t // 2 for t in total]


@handles("ConvTranspose")
def _conv_transpose(ctx, node, a):
    """CONV_TRANSPOSE2D; a 1-D one over a height of 1."""
    rank = ctx.rank(node.input[0])
    nd = rank - 2
    if nd not in (1, 2):
        raise Unsupported(f"{nd}-D ConvTranspose (Ember maps 1-D and 2-D)")
    x = ctx.t(node.input[0])
    if ctx.g.tensors[x].dtype != np.float32:
        raise Unsupported(f"ConvTranspose of {ctx.g.tensors[x].dtype} (Ember takes float32)")
    size = ctx.static_shape(node.input[0], range(2, rank))[2:]
    out_shape = ctx.value_dims(node.output[0])
    w = ctx.const.get(node.input[1])
    wshape = list(w.shape) if w is not None else list(ctx.static_shape(node.input[1]))
    k = [int(v) for v in a.get("kernel_shape", wshape[2:])]
    strides, dil = [int(v) for v in a.get("strides", [1] * nd)], [int(v) for v in a.get("dilations", [1] * nd)]
    begin = _pad_begin(a, size, k, strides, dil, [int(v) for v in a.get("output_padding", [0] * nd)])
    bias = ctx.t(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    weight = _weight(ctx, node.input[1], w, nd)
    if nd == 1:        # (N, C, L) as (N, C, 1, L)
        begin, strides, dil = [0, begin[0]], [1, strides[0]], [1, dil[0]]
        n, c, length = ctx.g.tensors[x].dims
        x = ctx.tmp("RESHAPE", [x], (n, c, Dim.static(1), length))
    options = dict(stride_h=strides[0], stride_w=strides[1], pad_top=begin[0], pad_left=begin[1], pad_bottom=0,
                   pad_right=0, dilation_h=dil[0], dilation_w=dil[1], groups=int(a.get("group", 1)), activation=0)
    if nd == 2:
        ctx.emit("CONV_TRANSPOSE2D", [x, weight, bias], node.output[0], **options)
        return
    y = ctx.tmp("CONV_TRANSPOSE2D", [x, weight, bias], (out_shape[0], out_shape[1], Dim.static(1), out_shape[2]),
                **options)
    ctx.emit("RESHAPE", [y], node.output[0])


def _weight(ctx, name, w, nd):
    """The weight as (C, O/g, KH, KW): a constant, or a tensor (1-D: reshaped)."""
    if w is not None:
        w = np.asarray(w, np.float32)
        return ctx.g.add_constant("conv_transpose_weight", np.ascontiguousarray(w[:, :, None, :] if nd == 1 else w))
    t = ctx.t(name)
    if ctx.g.tensors[t].dtype != np.float32:
        raise Unsupported("a ConvTranspose weight that is not float32")
    if nd == 1:
        c, o, k = ctx.g.tensors[t].dims
        t = ctx.tmp("RESHAPE", [t], (c, o, Dim.static(1), k))
    return t


_MODES = {"bilinear": 0, "linear": 0, "nearest": 1, "bicubic": 2, "cubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


@handles("GridSample")
def _grid_sample(ctx, node, a):
    """GRID_SAMPLE: 2-D (rank-4 X); opset 16's bilinear / nearest / bicubic and opset 20's
    linear / nearest / cubic; padding_mode zeros / border / reflection; align_corners."""
    rank = ctx.rank(node.input[0])
    if rank != 4:
        raise Unsupported(f"{rank - 2}-D GridSample (Ember maps the 2-D one: X of rank 4)")
    mode, padding = _text(a, "mode", "linear"), _text(a, "padding_mode", "zeros")
    if mode not in _MODES or padding not in _PADDINGS:
        raise Unsupported(f"GridSample mode {mode!r}, padding_mode {padding!r}")
    x, grid = ctx.t(node.input[0]), ctx.t(node.input[1])
    if ctx.g.tensors[x].dtype != np.float32 or ctx.g.tensors[grid].dtype != np.float32:
        raise Unsupported("GridSample of a non-float32 X or grid (Ember takes float32)")
    ctx.emit("GRID_SAMPLE", [x, grid], node.output[0], mode=_MODES[mode], padding=_PADDINGS[padding],
             align_corners=bool(a.get("align_corners", 0)))


reference_fixes.install()   # the evaluator the importer traces with: see reference_fixes.py
