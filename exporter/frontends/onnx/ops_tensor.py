"""ONNX handlers: views, data movement, indexing and resizing."""
from __future__ import annotations

import numpy as np

from exporter.frontends.onnx.registry import Unsupported, handles
from exporter.ir import Dim, Node


@handles("Identity", "Flatten", "Reshape", "Squeeze", "Unsqueeze")
def _view(ctx, node, a):
    # the output shape comes from the shape trace; a shape or axes input must then be a
    # constant (a run-time value could give another shape than the traced one)
    if len(node.input) > 1:
        ctx.constant(node.input[1], "the target shape" if node.op_type == "Reshape" else "axes",
                     symbolic_ok=node.op_type == "Reshape")
    ctx.emit("RESHAPE", [ctx.t(node.input[0])], node.output[0])


@handles("Concat")
def _concat(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("CONCAT", [ctx.t(i) for i in node.input], node.output[0], axis=int(a["axis"]) % rank)


@handles("Transpose")
def _transpose(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("PERMUTE", [ctx.t(node.input[0])], node.output[0], perm=list(a.get("perm", range(rank - 1, -1, -1))))


PAD_MODES = {"constant": "PAD", "reflect": "REFLECTION_PAD", "edge": "REPLICATION_PAD"}


@handles("Pad")
def _pad(ctx, node, a):
    """Modes constant, reflect and edge (PAD, REFLECTION_PAD, REPLICATION_PAD), constant
    pads >= 0 (a negative one, a crop, does not get this far: onnx's reference evaluator,
    which traces the model's shapes, cannot run it)."""
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode not in PAD_MODES:
        raise Unsupported(f"mode {mode!r} (Ember pads in modes constant, reflect and edge)")
    pads = ctx.constant(node.input[1], "pads")
    value = ctx.constant(node.input[2], "the pad value") if len(node.input) > 2 else None
    value = 0.0 if value is None or value.size == 0 else float(value.reshape(()))
    axes = ctx.constant(node.input[3], "axes") if len(node.input) > 3 else None
    rank = ctx.rank(node.input[0])
    pads = [int(v) for v in pads.tolist()]
    if axes is not None:        # pads of the named axes only
        full = [0] * (2 * rank)
        axes = [int(v) % rank for v in axes.tolist()]
        for k, axis in enumerate(axes):
            full[axis], full[axis + rank] = pads[k], pads[k + len(axes)]
        pads = full
    if min(pads, default=0) < 0:
        raise Unsupported(f"negative pads {pads} (crops)")
    x = ctx.t(node.input[0])
    dims = ctx.dims(x)
    pairs = [(pads[d], pads[d + rank]) for d in range(rank)]
    for d, (n, (before, after)) in enumerate(zip(dims, pairs)):
        if mode == "reflect" and max(before, after) >= n > 0 or mode != "constant" and (before or after) and n == 0:
            raise Unsupported(f"{mode} pads {pairs[d]} of dimension {d} of size {n} (reflect: each pad smaller than "
                              f"the size; edge: a non-empty dimension)")
    ctx.emit(PAD_MODES[mode], [x], node.output[0], shape=[n + b + e for n, (b, e) in zip(dims, pairs)],
             pads=[v for pair in pairs for v in pair], value=value if mode == "constant" else 0.0)


@handles("Resize")
def _resize(ctx, node, a):
    """torch's nearest (asymmetric, floor) and bilinear (half_pixel or align_corners) as
    RESIZE_NEAREST / RESIZE_BILINEAR where their arithmetic is onnx's (NCHW, H and W only,
    no antialias, integral sizes); every other case by onnx's own interpolation tables
    (ops_compose.resize_by_tables)."""
    def text(key, default):
        v = a.get(key, default)
        return v.decode() if isinstance(v, bytes) else v
    for i in node.input[1:]:
        ctx.constant(i, "roi, scales and sizes")
    mode, ctm = text("mode", "nearest"), text("coordinate_transformation_mode", "half_pixel")
    in_shape, out_shape = ctx.static_shape(node.input[0]), ctx.static_shape(node.output[0])
    scales = ctx.const.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    four = scales is not None and scales.size == 4
    exact = (len(in_shape) == 4 and in_shape[:2] == out_shape[:2] and not a.get("antialias", 0) and "axes" not in a
             and all(o > 1 and (not four or float(sc) * i == o)
                     for i, o, sc in zip(in_shape[2:], out_shape[2:], scales[2:] if four else (1, 1))))
    scale_h, scale_w = (1.0 / float(scales[2]), 1.0 / float(scales[3])) if four else (0.0, 0.0)
    if exact and mode == "nearest" and ctm == "asymmetric" and text("nearest_mode", "round_prefer_floor") == "floor":
        ctx.emit("RESIZE_NEAREST", [ctx.t(node.input[0])], node.output[0], align_corners=False,
                 scale_h=scale_h, scale_w=scale_w)
    elif exact and mode == "linear" and ctm in ("half_pixel", "pytorch_half_pixel", "align_corners"):
        ctx.emit("RESIZE_BILINEAR", [ctx.t(node.input[0])], node.output[0], align_corners=ctm == "align_corners",
                 scale_h=scale_h if ctm != "align_corners" else 0.0, scale_w=scale_w if ctm != "align_corners" else 0.0)
    else:      # every other mode: the interpolation tables of onnx's definition
        from exporter.frontends.onnx.ops_compose import resize_by_tables
        resize_by_tables(ctx, node, a)


@handles("Gather")
def _gather(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("GATHER", [ctx.t(node.input[0]), ctx.t(node.input[1])], node.output[0],
             axis=int(a.get("axis", 0)) % rank)


@handles("Expand")
def _expand(ctx, node, a):
    ctx.constant(node.input[1], "the target shape", symbolic_ok=True)
    ctx.emit("EXPAND", [ctx.t(node.input[0])], node.output[0])


@handles("Where")
def _where(ctx, node, a):
    ctx.emit("WHERE", [ctx.t(i) for i in node.input], node.output[0])


def slice_axis(ctx, x, axis, start, step, out_name, shape):
    out = ctx.g.add_tensor(out_name, ctx.g.tensors[x].dtype, [Dim.static(d) for d in shape])
    ctx.g.nodes.append(Node("SLICE", [x], [out], {"axis": axis, "start": int(start), "step": int(step)}, ctx.src))
    return out


@handles("Split")
def _split(ctx, node, a):
    x = ctx.t(node.input[0])
    dims = ctx.dims(x)
    axis = int(a.get("axis", 0)) % len(dims)
    if len(node.input) > 1:
        ctx.constant(node.input[1], "split")
    start = 0
    for o in node.output:
        shape = ctx.static_shape(o)
        ctx.env[o] = slice_axis(ctx, x, axis, start, 1, o, shape)
        start += shape[axis]


@handles("Slice")
def _slice(ctx, node, a):
    x = ctx.t(node.input[0])
    dims = ctx.dims(x)
    starts, ends, axes, steps = [ctx.constant(i, "starts, ends, axes and steps")
                                 for i in list(node.input[1:]) + [""] * (5 - len(node.input))]
    axes = list(range(len(starts))) if axes is None else [int(v) % len(dims) for v in axes]
    steps = [1] * len(axes) if steps is None else [int(v) for v in steps]
    if any(st <= 0 for st in steps):
        raise Unsupported("negative or zero steps")
    shape = list(dims)
    for k, (axis, st) in enumerate(zip(axes, steps)):
        n = dims[axis]
        b = int(starts[k])
        b = max(0, min(n, b + n if b < 0 else b))
        e = int(ends[k])
        e = max(0, min(n, e + n if e < 0 else e))
        shape[axis] = max(0, -(-(e - b) // st))
        last = k == len(axes) - 1
        x = slice_axis(ctx, x, axis, b, st, node.output[0] if last else node.output[0] + f"_{k}", shape)
    ctx.env[node.output[0]] = x


@handles("Trilu")
def _trilu(ctx, node, a):
    """Trilu = where(mask, x, 0) with the constant triangle mask of the last two axes."""
    k = ctx.constant(node.input[1], "k") if len(node.input) > 1 else None
    k = 0 if k is None else int(k)
    x = ctx.t(node.input[0])
    rows, cols = ctx.dims(x)[-2:]
    i, j = np.arange(rows)[:, None], np.arange(cols)[None, :]
    mask = (j - i >= k) if a.get("upper", 1) else (j - i <= k)
    zero = ctx.g.add_constant("zero", np.zeros((), ctx.g.tensors[x].dtype))
    ctx.emit("WHERE", [ctx.g.add_constant("trilu_mask", mask), x, zero], node.output[0])
