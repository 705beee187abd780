"""ONNX handlers composed of existing Ember ops: IsNaN, IsInf, Tile, InstanceNormalization,
LpNormalization, OneHot, CumSum (exclusive, reverse), LpPool and Col2Im."""
from __future__ import annotations

import numpy as np

from exporter.frontends.onnx.registry import Unsupported, handles


def _const(ctx, value, dtype):
    return ctx.g.add_constant("c", np.asarray(value, dtype))


def _float(ctx, name, what):
    x = ctx.t(name)
    if ctx.g.tensors[x].dtype.kind != "f":
        raise Unsupported(f"{what} of {ctx.g.tensors[x].dtype} (float only)")
    return x


@handles("IsNaN")
def _isnan(ctx, node, a):
    x = _float(ctx, node.input[0], "IsNaN")
    ctx.emit("NOT_EQUAL", [x, x], node.output[0])


@handles("IsInf")
def _isinf(ctx, node, a):
    """x == +inf and/or x == -inf, as detect_positive / detect_negative ask."""
    x = _float(ctx, node.input[0], "IsInf")
    pos, neg = int(a.get("detect_positive", 1)), int(a.get("detect_negative", 1))
    dims = ctx.dims(x)
    if pos and neg:
        mag = ctx.tmp("ABS", [x], dims, ctx.g.tensors[x].dtype)
        return ctx.emit("EQUAL", [mag, _const(ctx, np.inf, ctx.g.tensors[x].dtype)], node.output[0])
    if not (pos or neg):     # nothing is detected: x < -inf is false everywhere, NaN too
        return ctx.emit("LESS", [x, _const(ctx, -np.inf, ctx.g.tensors[x].dtype)], node.output[0])
    return ctx.emit("EQUAL", [x, _const(ctx, np.inf if pos else -np.inf, ctx.g.tensors[x].dtype)], node.output[0])


@handles("Tile")
def _tile(ctx, node, a):
    """Each axis repeated: a view with a size-1 axis before each, expanded, then joined."""
    reps = [int(r) for r in ctx.constant(node.input[1], "repeats")]
    x = ctx.t(node.input[0])
    dims, dt = ctx.dims(x), ctx.g.tensors[x].dtype
    spread = [v for d in dims for v in (1, d)]
    view = ctx.tmp("RESHAPE", [x], spread, dt)
    grown = ctx.tmp("EXPAND", [view], [v for r, d in zip(reps, dims) for v in (r, d)], dt)
    ctx.emit("RESHAPE", [grown], node.output[0])


@handles("InstanceNormalization")
def _instance_norm(ctx, node, a):
    """(N, C, *) -> (N*C, rest): a LAYER_NORM per instance and channel, then scale and bias
    per channel."""
    x = _float(ctx, node.input[0], "InstanceNormalization")
    dims = ctx.dims(x)
    rows = ctx.tmp("RESHAPE", [x], [dims[0] * dims[1], int(np.prod(dims[2:], dtype=np.int64))])
    normed = ctx.tmp("LAYER_NORM", [rows, None, None], ctx.dims(rows), axis=1, epsilon=float(a.get("epsilon", 1e-5)))
    back = ctx.tmp("RESHAPE", [normed], dims)
    per_channel = [dims[1]] + [1] * (len(dims) - 2)
    scale = ctx.tmp("RESHAPE", [ctx.t(node.input[1])], per_channel)
    bias = ctx.tmp("RESHAPE", [ctx.t(node.input[2])], per_channel)
    scaled = ctx.tmp("MUL", [back, scale], dims, activation=0)
    ctx.emit("ADD", [scaled, bias], node.output[0], activation=0)


@handles("LpNormalization")
def _lp_normalization(ctx, node, a):
    """x / norm_p(x) along axis (p = 1 or 2); where the norm is 0 the result is 0 (onnx)."""
    x = _float(ctx, node.input[0], "LpNormalization")
    dims = ctx.dims(x)
    axis, p = int(a.get("axis", -1)) % len(dims), int(a.get("p", 2))
    if p not in (1, 2):
        raise Unsupported(f"p = {p} (ONNX allows 1 and 2)")
    kept = [1 if i == axis else d for i, d in enumerate(dims)]
    mag = ctx.tmp("ABS", [x], dims) if p == 1 else ctx.tmp("MUL", [x, x], dims, activation=0)
    total = ctx.tmp("REDUCE_SUM", [mag], kept, axes=[axis], keep_dims=True)
    norm = total if p == 1 else ctx.tmp("SQRT", [total], kept)
    zero = ctx.tmp("EQUAL", [norm, _const(ctx, 0.0, np.float32)], kept, np.bool_)
    safe = ctx.tmp("WHERE", [zero, _const(ctx, 1.0, np.float32), norm], kept)
    ctx.emit("DIV", [x, safe], node.output[0], activation=0)


@handles("OneHot")
def _one_hot(ctx, node, a):
    """values[0] + (values[1] - values[0]) * (index == k) along a new axis of size depth;
    a negative index counts from the end (ONNX)."""
    depth = int(np.asarray(ctx.constant(node.input[1], "depth")).reshape(-1)[0])
    values = np.asarray(ctx.constant(node.input[2], "values"))
    idx = ctx.t(node.input[0])
    dims = ctx.dims(idx)
    axis = int(a.get("axis", -1)) % (len(dims) + 1)
    idt = ctx.g.tensors[idx].dtype
    if idt.kind == "f":
        idx = ctx.tmp("CAST", [idx], dims, np.int64)
        idt = np.dtype(np.int64)
    wrapped = ctx.tmp("ADD", [idx, _const(ctx, depth, idt)], dims, idt, activation=0)
    negative = ctx.tmp("LESS", [idx, _const(ctx, 0, idt)], dims, np.bool_)
    index = ctx.tmp("WHERE", [negative, wrapped, idx], dims, idt)
    view = dims[:axis] + [1] + dims[axis:]
    index = ctx.tmp("RESHAPE", [index], view, idt)
    positions = _const(ctx, np.arange(depth, dtype=idt).reshape([depth] + [1] * (len(dims) - axis)), idt)
    out = dims[:axis] + [depth] + dims[axis:]
    hot = ctx.tmp("EQUAL", [index, positions], out, np.bool_)
    dt = values.dtype
    off, on = _const(ctx, values.reshape(-1)[0], dt), _const(ctx, values.reshape(-1)[1], dt)
    ctx.emit("WHERE", [hot, on, off], node.output[0])


@handles("CumSum")
def _cumsum(ctx, node, a):
    """CUMSUM; reverse runs it over the flipped axis (GATHER of reversed positions) and flips
    back; exclusive shifts by one (PAD a zero in front, drop the last)."""
    x = ctx.t(node.input[0])
    dims, dt = ctx.dims(x), ctx.g.tensors[x].dtype
    axis = int(np.asarray(ctx.constant(node.input[1], "axis")).reshape(-1)[0]) % len(dims)
    reverse, exclusive = int(a.get("reverse", 0)), int(a.get("exclusive", 0))
    flip = _const(ctx, np.arange(dims[axis] - 1, -1, -1), np.int64)
    if reverse:
        x = ctx.tmp("GATHER", [x, flip], dims, dt, axis=axis)
    y = ctx.tmp("CUMSUM", [x], dims, dt, axis=axis)
    if exclusive:
        pads = [0] * (2 * len(dims))
        pads[2 * axis] = 1
        grown = [d + (i == axis) for i, d in enumerate(dims)]
        y = ctx.tmp("SLICE", [ctx.tmp("PAD", [y], grown, dt, pads=pads, value=0.0)], dims, dt, axis=axis, start=0,
                    step=1)
    if reverse:
        y = ctx.tmp("GATHER", [y, flip], dims, dt, axis=axis)
    ctx.emit("RESHAPE", [y], node.output[0])


@handles("LpPool")
def _lp_pool(ctx, node, a):
    """(sum over the window of |x|^p)^(1/p): an AVG_POOL2D with divisor 1 (zero padding adds
    nothing) of |x|^p, then the root. 1-D and 2-D; pads explicit or auto_pad."""
    from exporter.frontends.onnx.ops_nn import _window_pads
    x = _float(ctx, node.input[0], "LpPool")
    dims = ctx.dims(x)
    nd = len(dims) - 2
    if nd not in (1, 2):
        raise Unsupported(f"{nd}-D LpPool (Ember maps 1-D and 2-D)")
    k = [int(v) for v in a["kernel_shape"]]
    s, d = [int(v) for v in a.get("strides", [1] * nd)], [int(v) for v in a.get("dilations", [1] * nd)]
    out = ctx.static_shape(node.output[0])
    pads, _ = _window_pads(a, dims[2:], out[2:], k, s, d)
    p = float(a.get("p", 2))
    if nd == 1:
        x = ctx.tmp("RESHAPE", [x], [dims[0], dims[1], 1, dims[2]])
        k, s, d, pads, out4 = [1] + k, [1] + s, [1] + d, [0, pads[0], 0, pads[1]], [out[0], out[1], 1, out[2]]
    else:
        out4 = out
    dims4 = ctx.dims(x)
    mag = ctx.tmp("ABS", [x], dims4)
    powered = ctx.tmp("MUL", [mag, mag], dims4, activation=0) if p == 2 else \
        ctx.tmp("POW", [mag, _const(ctx, p, np.float32)], dims4, activation=0)
    total = ctx.tmp("AVG_POOL2D", [powered], out4, kernel_h=k[0], kernel_w=k[1], stride_h=s[0], stride_w=s[1],
                    pad_top=pads[0], pad_left=pads[1], pad_bottom=pads[2], pad_right=pads[3], dilation_h=d[0],
                    dilation_w=d[1], count_include_pad=True, divisor=1)
    root = ctx.tmp("SQRT", [total], out4) if p == 2 else \
        ctx.tmp("POW", [total, _const(ctx, 1.0 / p, np.float32)], out4, activation=0)
    ctx.emit("RESHAPE", [root], node.output[0])


@handles("Col2Im")
def _col2im(ctx, node, a):
    """Every column entry added at its place in the padded image (SCATTER_ELEMENTS with ADD
    over the flattened padded image), then the padding sliced away. 2-D images only."""
    x = _float(ctx, node.input[0], "Col2Im")
    size = [int(v) for v in ctx.constant(node.input[1], "image_shape")]
    k = [int(v) for v in ctx.constant(node.input[2], "block_shape")]
    if len(size) != 2:
        raise Unsupported(f"{len(size)}-D Col2Im (Ember maps 2-D)")
    d, s = [int(v) for v in a.get("dilations", [1, 1])], [int(v) for v in a.get("strides", [1, 1])]
    pads = [int(v) for v in a.get("pads", [0, 0, 0, 0])]
    n, ck, length = ctx.dims(x)
    c = ck // (k[0] * k[1])
    hp, wp = size[0] + pads[0] + pads[2], size[1] + pads[1] + pads[3]
    oh, ow = (hp - d[0] * (k[0] - 1) - 1) // s[0] + 1, (wp - d[1] * (k[1] - 1) - 1) // s[1] + 1
    if oh * ow != length:
        raise Unsupported(f"{length} blocks, but the sizes give {oh}x{ow}")
    i, j, r, q = np.meshgrid(np.arange(k[0]), np.arange(k[1]), np.arange(oh), np.arange(ow), indexing="ij")
    positions = ((r * s[0] + i * d[0]) * wp + (q * s[1] + j * d[1])).reshape(1, 1, -1)
    flat = [n, c, k[0] * k[1] * length]
    updates = ctx.tmp("RESHAPE", [x], flat)
    index = ctx.tmp("EXPAND", [_const(ctx, positions, np.int64)], flat, np.int64)
    zeros = ctx.tmp("FULL", [], [n, c, hp * wp], value=0.0)
    summed = ctx.tmp("SCATTER_ELEMENTS", [zeros, index, updates], [n, c, hp * wp], axis=2, reduction=1)
    image = ctx.tmp("RESHAPE", [summed], [n, c, hp, wp])
    image = ctx.tmp("SLICE", [image], [n, c, size[0], wp], axis=2, start=pads[0], step=1)
    image = ctx.tmp("SLICE", [image], [n, c, size[0], size[1]], axis=3, start=pads[1], step=1)
    ctx.emit("RESHAPE", [image], node.output[0])


def _resize_tables(ctx, node, a, in_shape, out_shape):
    """{axis: (M, b)}: out = M @ x + b along each resized axis (Resize is separable and affine
    per axis), computed by onnx's own 1-D resize (its reference implementation, the
    definition the node tests check) applied to an identity and to zeros."""
    from onnx.reference.ops import op_resize as ref

    def text(key, default):
        v = a.get(key, default)
        return v.decode() if isinstance(v, bytes) else v
    mode, nearest = text("mode", "nearest"), text("nearest_mode", "round_prefer_floor")
    cubic_a, antialias = float(a.get("cubic_coeff_a", -0.75)), int(a.get("antialias", 0))
    coeffs = {"nearest": lambda r, s: ref._nearest_coeffs(r, mode=nearest),
              "linear": ref._linear_coeffs_antialias if antialias else ref._linear_coeffs,
              "cubic": lambda r, s: (ref._cubic_coeffs_antialias if antialias else ref._cubic_coeffs)(r, s, A=cubic_a)}
    rank = len(in_shape)
    axes = [int(x) % rank for x in a.get("axes", range(rank))]
    inputs = list(node.input) + [""] * 4
    roi = ctx.constant(inputs[1], "roi")
    scales, sizes = ctx.constant(inputs[2], "scales"), ctx.constant(inputs[3], "sizes")
    if scales is not None and scales.size:
        factor = {ax: float(s) for ax, s in zip(axes, scales)}
    else:                                  # as onnx: the requested sizes over the input's
        factor = {ax: int(s) / in_shape[ax] for ax, s in zip(axes, sizes)}
    if (scales is None or not scales.size) and text("keep_aspect_ratio_policy", "stretch") != "stretch":
        pick = min if text("keep_aspect_ratio_policy", "stretch") == "not_larger" else max
        factor = dict.fromkeys(axes, pick(factor.values()))
    box = None if roi is None or roi.size == 0 else np.asarray(roi, np.float64).reshape(2, -1)
    tables = {}
    for k, ax in enumerate(axes):
        n = in_shape[ax]
        if factor[ax] == 1.0 and out_shape[ax] == n and (box is None or tuple(box[:, k]) == (0.0, 1.0)):
            continue
        kwargs = dict(roi=None if box is None else [box[0, k], box[1, k]],
                      exclude_outside=bool(a.get("exclude_outside", 0)),
                      extrapolation_value=float(a.get("extrapolation_value", 0.0)),
                      coordinate_transformation_mode=text("coordinate_transformation_mode", "half_pixel"))
        run = lambda data: ref._interpolate_1d_along_axis(data, 0, factor[ax], out_shape[ax], coeffs[mode], **kwargs)  # noqa: E731,B023
        b = run(np.zeros((n, 1)))[:, 0]
        tables[ax] = (run(np.eye(n)) - b[:, None], b)
    return tables


def resize_by_tables(ctx, node, a):
    """Any Resize mode of a float tensor, one resized axis at a time: a GATHER when every
    output takes one input element (nearest), else a FULLY_CONNECTED with the axis's
    interpolation matrix (moved last by PERMUTE when it is not)."""
    x = _float(ctx, node.input[0], "Resize")
    in_shape, out_shape = ctx.static_shape(node.input[0]), ctx.static_shape(node.output[0])
    tables = _resize_tables(ctx, node, a, in_shape, out_shape)
    cur, rank = list(in_shape), len(in_shape)
    for ax, (m, b) in tables.items():
        new = cur[:ax] + [out_shape[ax]] + cur[ax + 1:]
        picks = m.argmax(axis=1)
        if not b.any() and np.array_equal(m, np.eye(m.shape[1])[picks]):
            x, cur = ctx.tmp("GATHER", [x, _const(ctx, picks, np.int64)], new, axis=ax), new
            continue
        perm = [i for i in range(rank) if i != ax] + [ax]
        last = ax == rank - 1
        moved = x if last else ctx.tmp("PERMUTE", [x], [cur[i] for i in perm], perm=perm)
        fc = ctx.tmp("FULLY_CONNECTED", [moved, _const(ctx, m, np.float32), _const(ctx, b, np.float32)],
                     [cur[i] for i in perm[:-1]] + [out_shape[ax]], activation=0)
        x = fc if last else ctx.tmp("PERMUTE", [fc], new, perm=[int(v) for v in np.argsort(perm)])
        cur = new
    ctx.emit("RESHAPE", [x], node.output[0])
