"""ONNX handlers: convolution, GEMM and MatMul, pooling, normalization, recurrent layers."""
from __future__ import annotations

import numpy as np

from exporter.frontends.onnx.registry import HANDLERS, Unsupported, handles
from exporter.frontends.builder import batch_norm
from exporter.frontends.onnx.ops_tensor import slice_axis
from exporter.ir import Dim, Node


@handles("Conv")
def _conv(ctx, node, a):
    w = ctx.constant(node.input[1], "the weight")
    nd = w.ndim - 2
    if nd not in (1, 2):
        raise Unsupported(f"{nd}-D convolution (Ember maps 1-D and 2-D)")
    strides, dil = list(a.get("strides", [1] * nd)), list(a.get("dilations", [1] * nd))
    spatial = range(2, 2 + nd)
    pads, _ = _window_pads(a, ctx.static_shape(node.input[0], spatial)[2:],
                           ctx.static_shape(node.output[0], spatial)[2:], list(w.shape[2:]), strides, dil)
    bias = ctx.t(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    x = ctx.t(node.input[0])
    if nd == 1:        # a 1-D convolution is a 2-D one over a height of 1
        pads, strides, dil, w = [0, pads[0], 0, pads[1]], [1, strides[0]], [1, dil[0]], w[:, :, None, :]
        n, c, length = ctx.g.tensors[x].dims
        x4 = ctx.g.add_tensor(node.input[0] + "_4d", ctx.g.tensors[x].dtype, (n, c, Dim.static(1), length))
        ctx.g.nodes.append(Node("RESHAPE", [x], [x4], {}, ctx.src))
        x = x4
    options = dict(stride_h=strides[0], stride_w=strides[1], pad_top=pads[0], pad_left=pads[1],
                   pad_bottom=pads[2], pad_right=pads[3], dilation_h=dil[0], dilation_w=dil[1],
                   groups=int(a.get("group", 1)), activation=0)
    weight = ctx.g.add_constant("conv_weight", np.ascontiguousarray(w, np.float32))
    if nd == 2:
        ctx.emit("CONV2D", [x, weight, bias], node.output[0], **options)
        return
    n, c, length = ctx.value_dims(node.output[0])
    y4 = ctx.g.add_tensor(node.output[0] + "_4d", ctx.g.tensors[x].dtype, [n, c, Dim.static(1), length])
    ctx.g.nodes.append(Node("CONV2D", [x, weight, bias], [y4], options, ctx.src))
    ctx.emit("RESHAPE", [y4], node.output[0])


@handles("Gemm")
def _gemm(ctx, node, a):
    """Y = alpha * A' B' + beta * C: FULLY_CONNECTED for a constant B (alpha folded into
    the weight, a vector C into the bias), BATCH_MATMUL otherwise."""
    alpha, beta = np.float32(a.get("alpha", 1.0)), np.float32(a.get("beta", 1.0))
    x = ctx.t(node.input[0])
    if a.get("transA", 0):
        x = ctx.tmp("PERMUTE", [x], ctx.g.tensors[x].dims[::-1], ctx.g.tensors[x].dtype, perm=[1, 0])
    b = ctx.const.get(node.input[1])
    c = ctx.const.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    has_c = len(node.input) > 2 and bool(node.input[2])
    out_shape = ctx.value_dims(node.output[0])
    if b is not None and b.dtype == np.float32:
        w = (b if a.get("transB", 0) else b.T) * alpha
        ins = [x, ctx.g.add_constant("fc_weight", np.ascontiguousarray(w, np.float32))]
        if c is not None and c.size == w.shape[0] and (c.ndim == 1 or c.shape[0] == 1):
            ins.append(ctx.g.add_constant("fc_bias", (c.reshape(-1) * beta).astype(np.float32)))
            return ctx.emit("FULLY_CONNECTED", ins, node.output[0], activation=0)
        if not has_c:
            return ctx.emit("FULLY_CONNECTED", ins, node.output[0], activation=0)
        y = ctx.tmp("FULLY_CONNECTED", ins, out_shape, activation=0)
    else:
        bt = ctx.t(node.input[1])
        if a.get("transB", 0):
            bt = ctx.tmp("PERMUTE", [bt], ctx.g.tensors[bt].dims[::-1], ctx.g.tensors[bt].dtype, perm=[1, 0])
        dtype = ctx.g.tensors[x].dtype
        if alpha == 1 and not has_c:
            return ctx.emit("BATCH_MATMUL", [x, bt], node.output[0])
        y = ctx.tmp("BATCH_MATMUL", [x, bt], out_shape, dtype)
        if alpha != 1:
            scale = ctx.g.add_constant("alpha", np.asarray(alpha, dtype))
            if not has_c:
                return ctx.emit("MUL", [y, scale], node.output[0], activation=0)
            y = ctx.tmp("MUL", [y, scale], out_shape, dtype, activation=0)
    ct = ctx.t(node.input[2])
    if beta != 1:
        dtype = ctx.g.tensors[ct].dtype
        ct = ctx.tmp("MUL", [ct, ctx.g.add_constant("beta", np.asarray(beta, dtype))], ctx.g.tensors[ct].dims, dtype,
                     activation=0)
    ctx.emit("ADD", [y, ct], node.output[0], activation=0)


@handles("MatMul")
def _matmul(ctx, node, a):
    b = ctx.const.get(node.input[1])
    if b is not None and b.ndim == 2:
        w = ctx.g.add_constant("fc_weight", np.ascontiguousarray(b.T, np.float32))
        ctx.emit("FULLY_CONNECTED", [ctx.t(node.input[0]), w], node.output[0], activation=0)
        return
    a, b = ctx.t(node.input[0]), ctx.t(node.input[1])
    da, db = ctx.g.tensors[a].dims, ctx.g.tensors[b].dims
    if len(da) >= 2 and len(db) >= 2:
        ctx.emit("BATCH_MATMUL", [a, b], node.output[0])
        return
    # numpy's 1-D rules: a (K,) is a row (1, K), b (K,) a column (K, 1); the added
    # dimension is dropped again from the result
    def promote(x, dims, shape):
        y = ctx.g.add_tensor(x + "_2d", ctx.g.tensors[x].dtype, [Dim.static(d) for d in shape])
        ctx.g.nodes.append(Node("RESHAPE", [x], [y], {}, ctx.src))
        return y
    if len(da) == 1:
        a = promote(a, da, (1, ctx.dims(a)[0]))
    if len(db) == 1:
        b = promote(b, db, (ctx.dims(b)[0], 1))
    ra, rb = len(ctx.g.tensors[a].dims), len(ctx.g.tensors[b].dims)
    sa, sb = ctx.dims(a), ctx.dims(b)
    batch = list(np.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]))) if max(ra, rb) > 2 else []
    full = ctx.g.add_tensor(node.output[0] + "_full", ctx.g.tensors[a].dtype,
                            [Dim.static(d) for d in batch + [sa[-2], sb[-1]]])
    ctx.g.nodes.append(Node("BATCH_MATMUL", [a, b], [full], {}, ctx.src))
    ctx.emit("RESHAPE", [full], node.output[0])


def _text(a, key, default):
    v = a.get(key, default)
    return v.decode() if isinstance(v, bytes) else v


def _window_pads(a, size, out, k, stride, dil):
    """(begin, end) padding of every spatial axis: explicit `pads`, or auto_pad SAME_UPPER /
    SAME_LOWER / VALID; an end grows so the traced output size (ceil_mode) is covered.
    Returns also how much the end grew beyond the declared pads."""
    n = len(k)
    auto = _text(a, "auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        total = [max(0, (o - 1) * s + d * (kk - 1) + 1 - L) for o, s, d, kk, L in zip(out, stride, dil, k, size)]
        begin = [t // 2 if auto == "SAME_UPPER" else t - t // 2 for t in total]
        pads = begin + [t - b for t, b in zip(total, begin)]
    elif auto == "VALID":
        pads = [0] * (2 * n)
    else:
        pads = list(a.get("pads", [0] * (2 * n)))
    grown = []
    for i in range(n):
        need = (out[i] - 1) * stride[i] + dil[i] * (k[i] - 1) + 1 - (size[i] + pads[i] + pads[i + n])
        grown.append(max(0, need))
        pads[i + n] += max(0, need)
    return pads, any(grown)


def _pool(ctx, node, a, op):
    if len([o for o in node.output if o]) > 1:
        raise Unsupported("the Indices output")
    k = list(a["kernel_shape"])
    if len(k) not in (1, 2, 3):
        raise Unsupported(f"{len(k)}-D pooling (Ember maps 1-D, 2-D and 3-D)")
    strides, dil = list(a.get("strides", [1] * len(k))), list(a.get("dilations", [1] * len(k)))
    x = ctx.t(node.input[0])
    spatial = range(2, 2 + len(k))
    dims, out = ctx.static_shape(node.input[0], spatial), ctx.static_shape(node.output[0], spatial)
    pads, grown = _window_pads(a, dims[2:], out[2:], k, strides, dil)
    include = bool(a.get("count_include_pad", 0))
    if grown and include and op == "AVG_POOL2D":
        raise Unsupported("ceil_mode with count_include_pad")
    if len(k) == 3:
        return _pool3d(ctx, node, x, op, k, strides, dil, pads, include, dims, out)
    if len(k) == 1:     # a 1-D window is a 2-D one over a height of 1
        k, strides, dil, pads = [1] + k, [1] + strides, [1] + dil, [0, pads[0], 0, pads[1]]
        xd = ctx.g.tensors[x].dims
        x = ctx.tmp("RESHAPE", [x], [xd[0], xd[1], Dim.static(1), xd[2]], ctx.g.tensors[x].dtype)
    options = dict(kernel_h=k[0], kernel_w=k[1], stride_h=strides[0], stride_w=strides[1], pad_top=pads[0],
                   pad_left=pads[1], pad_bottom=pads[2], pad_right=pads[3], dilation_h=dil[0], dilation_w=dil[1],
                   count_include_pad=include, divisor=0)
    if len(dims) == 4:
        return ctx.emit(op, [x], node.output[0], **options)
    yd = ctx.value_dims(node.output[0])
    y = ctx.tmp(op, [x], [yd[0], yd[1], Dim.static(1), yd[2]], ctx.g.tensors[x].dtype, **options)
    ctx.emit("RESHAPE", [y], node.output[0])


def _pool3d(ctx, node, x, op, k, strides, dil, pads, include, dims, out):
    """A 3-D window is a box: the H x W pool over (N, C*D) planes, then the D pool over
    (N, C, D, OH*OW) with a (KD, 1) window (averages too: the divisor is a product)."""
    n, c, d, h, w = dims
    od, oh, ow = out[2:]
    dt = ctx.g.tensors[x].dtype
    common = dict(count_include_pad=include, divisor=0)
    planes = ctx.tmp("RESHAPE", [x], [n, c * d, h, w], dt)
    hw = ctx.tmp(op, [planes], [n, c * d, oh, ow], dt, kernel_h=k[1], kernel_w=k[2], stride_h=strides[1],
                 stride_w=strides[2], pad_top=pads[1], pad_left=pads[2], pad_bottom=pads[4], pad_right=pads[5],
                 dilation_h=dil[1], dilation_w=dil[2], **common)
    rows = ctx.tmp("RESHAPE", [hw], [n, c, d, oh * ow], dt)
    y = ctx.tmp(op, [rows], [n, c, od, oh * ow], dt, kernel_h=k[0], kernel_w=1, stride_h=strides[0], stride_w=1,
                pad_top=pads[0], pad_left=0, pad_bottom=pads[3], pad_right=0, dilation_h=dil[0], dilation_w=1,
                **common)
    ctx.emit("RESHAPE", [y], node.output[0])


HANDLERS["MaxPool"] = lambda ctx, node, a: _pool(ctx, node, a, "MAX_POOL2D")


HANDLERS["AveragePool"] = lambda ctx, node, a: _pool(ctx, node, a, "AVG_POOL2D")


@handles("GlobalAveragePool")
def _global_avg(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("REDUCE_MEAN", [ctx.t(node.input[0])], node.output[0], axes=list(range(2, rank)), keep_dims=True)


@handles("GlobalMaxPool")
def _global_max(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("REDUCE_MAX", [ctx.t(node.input[0])], node.output[0], axes=list(range(2, rank)), keep_dims=True)


@handles("BatchNormalization")
def _batchnorm(ctx, node, a):
    if a.get("training_mode", 0):
        raise Unsupported("training mode (batch statistics)")
    scale, bias, mean, var = (ctx.constant(i, "batch norm's scale, bias and statistics") for i in node.input[1:5])
    x = ctx.t(node.input[0])
    batch_norm(ctx.g, x, ctx.out(node.output[0]), mean, var, a.get("epsilon", 1e-5), scale, bias, ctx.src)


@handles("LayerNormalization")
def _layer_norm(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ins = [ctx.t(node.input[0])] + [ctx.t(i) if i else None for i in list(node.input[1:3])]
    ins += [None] * (3 - len(ins))
    ctx.emit("LAYER_NORM", ins, node.output[0], axis=int(a.get("axis", -1)) % rank,
             epsilon=float(a.get("epsilon", 1e-5)))


@handles("Dropout")
def _dropout(ctx, node, a):
    """Inference: the identity; the mask output (when asked for) is all true."""
    if len(node.input) > 2 and node.input[2]:
        training = ctx.constant(node.input[2], "training_mode")
        if training is not None and bool(training):
            raise Unsupported("training mode (random masks)")
    x = ctx.t(node.input[0])
    ctx.emit("RESHAPE", [x], node.output[0])
    if len(node.output) > 1 and node.output[1]:
        ctx.const[node.output[1]] = np.ones(ctx.dims(x), np.bool_)
        ctx.env[node.output[1]] = ctx.g.add_constant("mask", ctx.const[node.output[1]])


@handles("RNN", "GRU", "LSTM")
def _recurrent(ctx, node, a):
    """RNN, GRU and LSTM unrolled over the (static) sequence: the input projection of every
    step in one FULLY_CONNECTED, then per step the recurrent FULLY_CONNECTED and the gate
    arithmetic. ONNX's default activations only; no clip, peepholes or ragged sequences."""
    _Recurrent(ctx, node, a).emit()


class _Recurrent:
    GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
    DEFAULT_ACTIVATIONS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}

    def __init__(self, ctx, node, a):
        self.ctx, self.node, self.a, self.kind = ctx, node, a, node.op_type
        self.gates = self.GATES[self.kind]
        default = self.DEFAULT_ACTIVATIONS[self.kind]
        acts = [v.decode() if isinstance(v, bytes) else v for v in a.get("activations", [])]
        direction = _text(a, "direction", "forward")
        self.dirs = ["reverse"] if direction == "reverse" else ["forward", "reverse"] \
            if direction == "bidirectional" else ["forward"]
        if acts and [x.lower() for x in acts] != [x.lower() for x in default * len(self.dirs)]:
            raise Unsupported(f"activations {acts} (Ember maps the defaults {default})")
        if a.get("clip") is not None or a.get("input_forget", 0):
            raise Unsupported("clip and input_forget")
        self.ins = ins = list(node.input) + [""] * (8 - len(node.input))
        self.W, self.R = ctx.constant(ins[1], "W"), ctx.constant(ins[2], "R")
        self.H = self.W.shape[1] // self.gates
        B = ctx.constant(ins[3], "B")
        self.B = np.zeros((len(self.dirs), 2 * self.gates * self.H), np.float32) if B is None else B
        self.x = ctx.t(ins[0])
        if self.kind == "LSTM" and ins[7] and np.any(ctx.constant(ins[7], "P")):
            raise Unsupported("peephole weights")
        self.layout = int(a.get("layout", 0))
        if self.layout:
            d = ctx.dims(self.x)
            self.x = ctx.tmp("PERMUTE", [self.x], [d[1], d[0], d[2]], perm=[1, 0, 2])
        self.T, self.N, _ = ctx.dims(self.x)
        if ins[4] and np.any(ctx.constant(ins[4], "sequence_lens") != self.T):
            raise Unsupported("sequences shorter than the input (sequence_lens)")
        self.one = ctx.g.add_constant("one", np.ones((), np.float32))

    # ---- building blocks, on (N, H) tensors -------------------------------------------
    def initial(self, name, d):
        ctx, N, H = self.ctx, self.N, self.H
        if not name:
            return ctx.g.add_constant("zero_state", np.zeros((N, H), np.float32))
        s = ctx.t(name)
        s = ctx.tmp("PERMUTE", [s], [len(self.dirs), N, H], perm=[1, 0, 2]) if self.layout else s
        return ctx.tmp("RESHAPE", [slice_axis(ctx, s, 0, d, 1, ctx.g.fresh("state"), [1, N, H])], [N, H])

    def split(self, t, k):
        return slice_axis(self.ctx, t, 1, k * self.H, 1, self.ctx.g.fresh("gate"), [self.N, self.H])

    def fc(self, inp, w, b, rows):
        g = self.ctx.g
        ins = [inp, g.add_constant("rnn_weight", np.ascontiguousarray(w, np.float32))]
        if b is not None:
            ins.append(g.add_constant("rnn_bias", np.ascontiguousarray(b, np.float32)))
        return self.ctx.tmp("FULLY_CONNECTED", ins, rows + [w.shape[0]], activation=0)

    def op(self, name, *args):
        return self.ctx.tmp(name, list(args), [self.N, self.H],
                            **({"activation": 0} if name in ("ADD", "SUB", "MUL") else {}))

    # ---- one step: (x_t's projection, h, c) -> (h, c) -----------------------------------
    def step(self, xt, h, c, R, rb, h_bias):
        op, split, fc, H, N = self.op, self.split, self.fc, self.H, self.N
        if self.kind == "RNN":
            return op("TANH", op("ADD", xt, fc(h, R, None, [N]))), c
        if self.kind == "LSTM":
            g = self.ctx.tmp("ADD", [xt, fc(h, R, None, [N])], [N, 4 * H], activation=0)
            i, o, f, cc = (split(g, k) for k in range(4))
            c = op("ADD", op("MUL", op("SIGMOID", f), c), op("MUL", op("SIGMOID", i), op("TANH", cc)))
            return op("MUL", op("SIGMOID", o), op("TANH", c)), c
        before_reset = self.a.get("linear_before_reset", 0)     # GRU
        hr = fc(h, R, h_bias, [N]) if before_reset else fc(h, R[:2 * H], None, [N])
        z = op("SIGMOID", op("ADD", split(xt, 0), split(hr, 0)))
        r = op("SIGMOID", op("ADD", split(xt, 1), split(hr, 1)))
        inner = op("MUL", r, split(hr, 2)) if before_reset else fc(op("MUL", r, h), R[2 * H:], rb[2 * H:], [N])
        cand = op("TANH", op("ADD", split(xt, 2), inner))
        return op("ADD", op("MUL", op("SUB", self.one, z), cand), op("MUL", z, h)), c

    def direction(self, d, way):
        """(every step's h as (1, 1, N, H) tensors in time order, the last h, the last c)."""
        ctx, H, N, T, gates = self.ctx, self.H, self.N, self.T, self.gates
        wb, rb = self.B[d][:gates * H].astype(np.float32), self.B[d][gates * H:].astype(np.float32)
        x_bias, h_bias = wb + rb, None
        if self.kind == "GRU":      # the candidate gate's recurrent bias stays inside r * (...)
            x_bias = wb + np.concatenate([rb[:2 * H], np.zeros(H, np.float32)])
            h_bias = np.concatenate([np.zeros(2 * H, np.float32), rb[2 * H:]])
        gx = self.fc(self.x, self.W[d], x_bias, [T, N])
        h = self.initial(self.ins[5], d)
        c = self.initial(self.ins[6], d) if self.kind == "LSTM" else None
        steps = [None] * T
        for t in (range(T) if way == "forward" else range(T - 1, -1, -1)):
            xt = ctx.tmp("RESHAPE", [slice_axis(ctx, gx, 0, t, 1, ctx.g.fresh("step"), [1, N, gates * H])],
                         [N, gates * H])
            h, c = self.step(xt, h, c, self.R[d], rb, h_bias)
            steps[t] = ctx.tmp("RESHAPE", [h], [1, 1, N, H])
        return steps, h, c

    def emit(self):
        ctx, H, N, T, ndirs = self.ctx, self.H, self.N, self.T, len(self.dirs)
        ys, finals, cells = [], [], []
        for d, way in enumerate(self.dirs):
            steps, h, c = self.direction(d, way)
            ys.append(ctx.tmp("CONCAT", steps, [T, 1, N, H], axis=0) if T > 1 else steps[0])
            finals.append(ctx.tmp("RESHAPE", [h], [1, N, H]))
            if c is not None:
                cells.append(ctx.tmp("RESHAPE", [c], [1, N, H]))

        def stack(parts, shape, axis):
            return parts[0] if len(parts) == 1 else ctx.tmp("CONCAT", parts, shape, axis=axis)
        outs = list(self.node.output) + [""] * 3
        if outs[0]:
            y = stack(ys, [T, ndirs, N, H], 1)
            ctx.emit("PERMUTE", [y], outs[0], perm=[2, 0, 1, 3]) if self.layout else ctx.emit("RESHAPE", [y], outs[0])
        for name, parts in ((outs[1], finals), (outs[2], cells)):
            if name:
                s = stack(parts, [ndirs, N, H], 0)
                ctx.emit("PERMUTE", [s], name, perm=[1, 0, 2]) if self.layout else ctx.emit("RESHAPE", [s], name)
