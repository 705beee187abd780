"""ONNX front end: an .onnx model (opset 13 or newer) -> the exporter IR.

    graph, example_inputs = import_onnx("model.onnx")

Shapes come from onnx.shape_inference; initializers and Constant nodes become IR
constants; a node whose inputs are all constant is evaluated once with onnx's own
reference evaluator (constant folding), so shape arithmetic (Shape, Gather, Concat,
...) disappears for static shapes. Every other node maps onto Ember ops with the same
NCHW conventions as the PyTorch path. Every unsupported node is reported at once, with
its name. This first version covers the ops of convolutional and MLP models; dynamic
dimensions are not bounded yet (inputs must be static).
"""
from __future__ import annotations

import numpy as np

from exporter.errors import ExportError, UnsupportedOpsError
from exporter.ir import Dim, Graph, Node

ONNX_DTYPES = {1: np.float32, 3: np.int8, 6: np.int32, 7: np.int64, 9: np.bool_, 2: np.uint8}


class _Unsupported(Exception):
    pass


def _load(path):
    import onnx
    if isinstance(path, onnx.ModelProto):
        model, path = path, "<ONNX model>"
    else:
        try:
            model = onnx.load(path)
        except FileNotFoundError:
            raise ExportError(f"ONNX model '{path}' not found") from None
        except Exception as e:
            raise ExportError(f"'{path}' is not an ONNX model (not a valid protobuf: {type(e).__name__})") from None
    opset = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    if "ai.onnx" not in opset:
        raise ExportError(f"'{path}': no opset of the default ONNX domain (domains: {sorted(opset)})")
    if opset["ai.onnx"] < 13:
        raise ExportError(f"'{path}': opset {opset['ai.onnx']}; Ember imports opset 13 and newer")
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise ExportError(f"'{path}': node '{node.name}' ({node.op_type}) is in domain '{node.domain}'; "
                              f"only the default ONNX domain is supported")
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as e:
        raise ExportError(f"'{path}': shape inference failed: {str(e).strip().splitlines()[0][:200]}") from None
    return model, opset["ai.onnx"]


def _topological(graph, known):
    """Nodes in an order where each input is produced first; a cycle or a missing
    input is an error naming the node."""
    nodes, done, order = list(graph.node), set(known), []
    while nodes:
        ready = [n for n in nodes if all(i == "" or i in done for i in n.input)]
        if not ready:
            n = nodes[0]
            missing = [i for i in n.input if i and i not in done]
            produced = {o for m in nodes for o in m.output}
            why = ("a cycle" if all(i in produced for i in missing)
                   else "an input that no node, initializer or graph input provides (a missing initializer?)")
            raise ExportError(f"ONNX graph has {why}: node '{n.name or n.op_type}' waits for {missing}")
        for n in ready:
            order.append(n)
            done.update(n.output)
            nodes.remove(n)
    return order


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class _Importer:
    def __init__(self, model, opset):
        self.model, self.opset = model, opset
        self.g = Graph()
        self.env: dict = {}          # ONNX value name -> IR tensor name
        self.const: dict = {}        # ONNX value name -> numpy value
        self.shapes: dict = {}       # ONNX value name -> (shape, dtype)
        for vi in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
            t = vi.type.tensor_type
            dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
            self.shapes[vi.name] = (dims, ONNX_DTYPES.get(t.elem_type))

    # ---- helpers ---------------------------------------------------------------
    def t(self, name) -> str:
        if name in self.env:
            return self.env[name]
        if name in self.const:
            self.env[name] = self.g.add_constant(name or "const", self.const[name])
            return self.env[name]
        raise _Unsupported(f"input '{name}' is not available")

    def out(self, name, dtype=None, shape=None) -> str:
        known, dt = self.shapes.get(name, (None, None))
        shape = known if shape is None or (known is not None and None not in known) else shape
        if shape is None or any(d is None for d in shape):
            raise _Unsupported(f"output '{name}' has no static shape after shape inference")
        ir = self.g.add_tensor(name or "t", dtype or dt or np.float32, [Dim.static(d) for d in shape], exact=True)
        self.env[name] = ir
        return ir

    def emit(self, op, inputs, onnx_out, dtype=None, shape=None, **options):
        out = self.out(onnx_out, dtype, shape)
        self.g.nodes.append(Node(op, list(inputs), [out], options, self.src))
        return out

    def rank(self, name):
        return len(self.shapes[name][0]) if name in self.shapes else self.const[name].ndim

    def fold(self, node):
        from onnx.reference import ReferenceEvaluator
        import onnx
        graph = onnx.helper.make_graph(
            [node], "fold", [], [onnx.helper.make_tensor_value_info(o, 0, None) for o in node.output],
            initializer=[onnx.numpy_helper.from_array(np.asarray(self.const[i]), i) for i in node.input if i])
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", self.opset)])
        results = ReferenceEvaluator(model).run(None, {})
        for name, value in zip(node.output, results):
            value = np.asarray(value)
            if value.dtype == np.float64:
                value = value.astype(np.float32)
            self.const[name] = value

    def _trace_shapes(self, feeds):
        """Every value's static shape and dtype from one run of onnx's reference evaluator
        on the example inputs (shape inference alone stops at computed shapes)."""
        from onnx.reference import ReferenceEvaluator
        names = [o for n in self.model.graph.node for o in n.output if o]
        try:
            values = ReferenceEvaluator(self.model).run(names, feeds)
        except Exception as e:
            raise ExportError(f"ONNX model: onnx's reference evaluator cannot run it: {type(e).__name__}: "
                              f"{str(e).strip().splitlines()[0][:200] if str(e).strip() else ''}") from None
        for name, v in zip(names, values):
            v = np.asarray(v)
            dtype = np.float32 if v.dtype == np.float64 else v.dtype.type
            self.shapes[name] = (list(v.shape), dtype)

    # ---- driver ----------------------------------------------------------------
    def run(self):
        import onnx
        graph = self.model.graph
        for init in graph.initializer:
            self.const[init.name] = onnx.numpy_helper.to_array(init)
        inputs = [i for i in graph.input if i.name not in self.const]
        examples = []
        rng = np.random.default_rng(0)
        for i in inputs:
            shape, dtype = self.shapes[i.name]
            if dtype is None or any(d is None for d in shape):
                raise ExportError(f"ONNX input '{i.name}': dtype or shape {shape} is not static "
                                  f"(dynamic dimensions are not supported yet)")
            name = self.g.add_tensor(i.name, dtype, [Dim.static(d) for d in shape], exact=True)
            self.env[i.name] = name
            self.g.inputs.append(name)
            examples.append(rng.standard_normal(shape).astype(dtype) if np.dtype(dtype).kind == "f"
                            else np.zeros(shape, dtype))
        order = _topological(graph, list(self.const) + [i.name for i in inputs])
        self._trace_shapes(dict(zip([i.name for i in inputs], examples)))
        unsupported, failed = [], set()
        for node in order:
            self.src = f"{node.name or node.op_type} ({node.op_type})"
            if any(i in failed for i in node.input):      # only the first problem of a chain is reported
                failed.update(node.output)
                continue
            try:
                if node.op_type == "Shape" and node.input[0] in self.shapes and \
                        None not in self.shapes[node.input[0]][0]:
                    shape = np.array(self.shapes[node.input[0]][0], np.int64)
                    a = _attrs(node)
                    self.const[node.output[0]] = shape[a.get("start", 0):a.get("end", len(shape))]
                elif node.op_type == "Constant":
                    self.fold(node)
                elif all(i == "" or i in self.const for i in node.input) and node.input:
                    self.fold(node)
                else:
                    handler = HANDLERS.get(node.op_type)
                    if handler is None:
                        raise _Unsupported("no Ember mapping for this ONNX op")
                    handler(self, node, _attrs(node))
            except _Unsupported as e:
                unsupported.append(f"  {node.op_type} node '{node.name}': {e}")
                failed.update(node.output)
            except Exception as e:   # the reference evaluator or a malformed attribute
                unsupported.append(f"  {node.op_type} node '{node.name}': {type(e).__name__}: {e}")
                failed.update(node.output)
        if unsupported:
            raise UnsupportedOpsError(f"{len(unsupported)} ONNX node(s) cannot be imported:\n" + "\n".join(unsupported))
        for o in graph.output:
            self.g.outputs.append(self.t(o.name))
        return self.g, examples


# ---- node handlers: (importer, node, attributes) ----------------------------------
HANDLERS: dict = {}


def handles(*ops):
    def register(fn):
        for op in ops:
            HANDLERS[op] = fn
        return fn
    return register


for _onnx, _ember in {"Add": "ADD", "Sub": "SUB", "Mul": "MUL", "Div": "DIV", "Pow": "POW", "Max": "MAXIMUM",
                      "Min": "MINIMUM", "Equal": "EQUAL", "Less": "LESS", "Greater": "GREATER",
                      "LessOrEqual": "LESS_EQUAL", "GreaterOrEqual": "GREATER_EQUAL", "And": "LOGICAL_AND",
                      "Or": "LOGICAL_OR"}.items():
    def _binary(ctx, node, a, _op=_ember):
        if len(node.input) != 2:
            raise _Unsupported(f"{len(node.input)} inputs (Ember's op takes 2)")
        options = {"activation": 0}
        ctx.emit(_op, [ctx.t(node.input[0]), ctx.t(node.input[1])], node.output[0], **options)
    HANDLERS[_onnx] = _binary

for _onnx, _ember in {"Relu": "RELU", "Sigmoid": "SIGMOID", "Tanh": "TANH", "Exp": "EXP", "Log": "LOG",
                      "Sqrt": "SQRT", "Neg": "NEG", "Abs": "ABS", "Erf": "ERF", "Not": "LOGICAL_NOT",
                      "HardSwish": "HARDSWISH"}.items():
    def _unary(ctx, node, a, _op=_ember):
        ctx.emit(_op, [ctx.t(node.input[0])], node.output[0])
    HANDLERS[_onnx] = _unary


@handles("Identity", "Flatten", "Reshape", "Squeeze", "Unsqueeze")
def _view(ctx, node, a):
    ctx.emit("RESHAPE", [ctx.t(node.input[0])], node.output[0])


@handles("Conv")
def _conv(ctx, node, a):
    w = ctx.const.get(node.input[1])
    if w is None:
        raise _Unsupported("the weight must be constant")
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise _Unsupported("auto_pad is not supported (give explicit pads)")
    nd = w.ndim - 2
    if nd not in (1, 2):
        raise _Unsupported(f"{nd}-D convolution (Ember maps 1-D and 2-D)")
    pads = list(a.get("pads", [0] * 2 * nd))
    strides, dil = list(a.get("strides", [1] * nd)), list(a.get("dilations", [1] * nd))
    bias = ctx.t(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    x = ctx.t(node.input[0])
    if nd == 1:        # a 1-D convolution is a 2-D one over a height of 1
        pads, strides, dil, w = [0, pads[0], 0, pads[1]], [1, strides[0]], [1, dil[0]], w[:, :, None, :]
        n, c, length = ctx.g.tensors[x].dims
        x4 = ctx.g.add_tensor(node.input[0] + "_4d", np.float32, (n, c, Dim.static(1), length))
        ctx.g.nodes.append(Node("RESHAPE", [x], [x4], {}, ctx.src))
        x = x4
    options = dict(stride_h=strides[0], stride_w=strides[1], pad_top=pads[0], pad_left=pads[1],
                   pad_bottom=pads[2], pad_right=pads[3], dilation_h=dil[0], dilation_w=dil[1],
                   groups=int(a.get("group", 1)), activation=0)
    weight = ctx.g.add_constant("conv_weight", np.ascontiguousarray(w, np.float32))
    if nd == 2:
        ctx.emit("CONV2D", [x, weight, bias], node.output[0], **options)
        return
    shape = ctx.shapes[node.output[0]][0]
    y4 = ctx.g.add_tensor(node.output[0] + "_4d", np.float32, [Dim.static(d) for d in (shape[0], shape[1], 1, shape[2])])
    ctx.g.nodes.append(Node("CONV2D", [x, weight, bias], [y4], options, ctx.src))
    ctx.emit("RESHAPE", [y4], node.output[0])


@handles("Gemm")
def _gemm(ctx, node, a):
    b = ctx.const.get(node.input[1])
    if b is None or a.get("transA", 0):
        raise _Unsupported("Gemm needs a constant B and transA = 0")
    w = (b if a.get("transB", 0) else b.T) * np.float32(a.get("alpha", 1.0))
    ins = [ctx.t(node.input[0]), ctx.g.add_constant("fc_weight", np.ascontiguousarray(w, np.float32))]
    if len(node.input) > 2 and node.input[2]:
        c = ctx.const.get(node.input[2])
        if c is None or c.size != w.shape[0]:
            raise _Unsupported("Gemm's C must be a constant vector of N values")
        ins.append(ctx.g.add_constant("fc_bias", (c.reshape(-1) * np.float32(a.get("beta", 1.0))).astype(np.float32)))
    ctx.emit("FULLY_CONNECTED", ins, node.output[0], activation=0)


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
        a = promote(a, da, (1, da[0].add))
    if len(db) == 1:
        b = promote(b, db, (db[0].add, 1))
    ra, rb = len(ctx.g.tensors[a].dims), len(ctx.g.tensors[b].dims)
    sa, sb = [d.add for d in ctx.g.tensors[a].dims], [d.add for d in ctx.g.tensors[b].dims]
    batch = list(np.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]))) if max(ra, rb) > 2 else []
    full = ctx.g.add_tensor(node.output[0] + "_full", ctx.g.tensors[a].dtype,
                            [Dim.static(d) for d in batch + [sa[-2], sb[-1]]])
    ctx.g.nodes.append(Node("BATCH_MATMUL", [a, b], [full], {}, ctx.src))
    ctx.emit("RESHAPE", [full], node.output[0])


def _pool(ctx, node, a, op):
    if a.get("ceil_mode", 0) or a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise _Unsupported("ceil_mode and auto_pad are not supported")
    k = list(a["kernel_shape"])
    if len(k) != 2:
        raise _Unsupported(f"{len(k)}-D pooling (Ember maps 2-D)")
    pads, strides = list(a.get("pads", [0] * 4)), list(a.get("strides", [1, 1]))
    dil = list(a.get("dilations", [1, 1]))
    ctx.emit(op, [ctx.t(node.input[0])], node.output[0], kernel_h=k[0], kernel_w=k[1], stride_h=strides[0],
             stride_w=strides[1], pad_top=pads[0], pad_left=pads[1], pad_bottom=pads[2], pad_right=pads[3],
             dilation_h=dil[0], dilation_w=dil[1], count_include_pad=bool(a.get("count_include_pad", 0)),
             divisor=0)


HANDLERS["MaxPool"] = lambda ctx, node, a: _pool(ctx, node, a, "MAX_POOL2D")
HANDLERS["AveragePool"] = lambda ctx, node, a: _pool(ctx, node, a, "AVG_POOL2D")


@handles("GlobalAveragePool")
def _global_avg(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("REDUCE_MEAN", [ctx.t(node.input[0])], node.output[0], axes=list(range(2, rank)), keep_dims=True)


@handles("ReduceMean", "ReduceSum", "ReduceMax")
def _reduce(ctx, node, a):
    rank = ctx.rank(node.input[0])
    if len(node.input) > 1 and node.input[1]:
        axes = ctx.const.get(node.input[1])
        if axes is None:
            raise _Unsupported("axes must be constant")
        axes = axes.tolist()
    else:
        axes = a.get("axes", list(range(rank)))
    axes = sorted(int(x) % rank for x in axes)
    op = {"ReduceMean": "REDUCE_MEAN", "ReduceSum": "REDUCE_SUM", "ReduceMax": "REDUCE_MAX"}[node.op_type]
    ctx.emit(op, [ctx.t(node.input[0])], node.output[0], axes=axes, keep_dims=bool(a.get("keepdims", 1)))


@handles("Softmax", "LogSoftmax")
def _softmax(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("SOFTMAX" if node.op_type == "Softmax" else "LOG_SOFTMAX", [ctx.t(node.input[0])], node.output[0],
             axis=int(a.get("axis", -1)) % max(rank, 1))


@handles("Concat")
def _concat(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("CONCAT", [ctx.t(i) for i in node.input], node.output[0], axis=int(a["axis"]) % rank)


@handles("Transpose")
def _transpose(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("PERMUTE", [ctx.t(node.input[0])], node.output[0], perm=list(a.get("perm", range(rank - 1, -1, -1))))


@handles("Clip")
def _clip(ctx, node, a):
    lo = ctx.const.get(node.input[1]) if len(node.input) > 1 and node.input[1] else None
    hi = ctx.const.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if (len(node.input) > 1 and node.input[1] and lo is None) or (len(node.input) > 2 and node.input[2] and hi is None):
        raise _Unsupported("min and max must be constant")
    if lo is not None and hi is not None and float(lo) == 0.0 and np.isinf(float(hi)):
        return ctx.emit("RELU", [ctx.t(node.input[0])], node.output[0])
    ctx.emit("CLAMP", [ctx.t(node.input[0])], node.output[0],
             min=float(lo) if lo is not None else -np.inf, max=float(hi) if hi is not None else np.inf)


@handles("BatchNormalization")
def _batchnorm(ctx, node, a):
    scale, bias, mean, var = (ctx.const.get(i) for i in node.input[1:5])
    if any(v is None for v in (scale, bias, mean, var)):
        raise _Unsupported("batch norm needs constant statistics")
    s = scale.astype(np.float64) / np.sqrt(var.astype(np.float64) + a.get("epsilon", 1e-5))
    h = bias.astype(np.float64) - mean.astype(np.float64) * s
    shape = [-1] + [1] * (ctx.rank(node.input[0]) - 2)
    x = ctx.t(node.input[0])
    mid = ctx.g.add_tensor(node.output[0] + "_scaled", np.float32, ctx.g.tensors[x].dims)
    ctx.g.nodes.append(Node("MUL", [x, ctx.g.add_constant("bn_scale", s.astype(np.float32).reshape(shape))],
                            [mid], {"activation": 0}, ctx.src))
    ctx.emit("ADD", [mid, ctx.g.add_constant("bn_shift", h.astype(np.float32).reshape(shape))], node.output[0],
             activation=0)


@handles("Pad")
def _pad(ctx, node, a):
    if a.get("mode", b"constant") not in (b"constant", "constant"):
        raise _Unsupported("only constant padding")
    pads = ctx.const.get(node.input[1])
    if pads is None or (len(node.input) > 3 and node.input[3]):
        raise _Unsupported("pads must be constant, over every axis")
    value = ctx.const.get(node.input[2]) if len(node.input) > 2 and node.input[2] else np.float32(0)
    rank = ctx.rank(node.input[0])
    pads = [int(v) for v in pads.tolist()]
    x = ctx.t(node.input[0])
    shape = [d.add + pads[i] + pads[i + rank] for i, d in enumerate(ctx.g.tensors[x].dims)]
    ctx.emit("PAD", [x], node.output[0], shape=shape,
             pads=[v for d in range(rank) for v in (pads[d], pads[d + rank])], value=float(value))


def import_onnx(path):
    """(IR graph, example inputs) of the ONNX model at `path`."""
    model, opset = _load(path)
    return _Importer(model, opset).run()


@handles("Resize")
def _resize(ctx, node, a):
    """torch's nearest (asymmetric, floor) and bilinear (half_pixel or align_corners)."""
    def text(key, default):
        v = a.get(key, default)
        return v.decode() if isinstance(v, bytes) else v
    mode, ctm = text("mode", "nearest"), text("coordinate_transformation_mode", "half_pixel")
    rank = ctx.rank(node.input[0])
    if rank != 4:
        raise _Unsupported("Resize of a rank-4 (NCHW) tensor only")
    in_shape, out_shape = ctx.shapes[node.input[0]][0], ctx.shapes[node.output[0]][0]
    if in_shape[:2] != out_shape[:2]:
        raise _Unsupported("Resize of the batch or channel dimension")
    scales = ctx.const.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    scale_h = scale_w = 0.0
    if scales is not None and scales.size == 4:
        scale_h, scale_w = 1.0 / float(scales[2]), 1.0 / float(scales[3])
    if mode == "nearest" and ctm == "asymmetric" and text("nearest_mode", "round_prefer_floor") == "floor":
        ctx.emit("RESIZE_NEAREST", [ctx.t(node.input[0])], node.output[0], align_corners=False,
                 scale_h=scale_h, scale_w=scale_w)
    elif mode == "linear" and ctm in ("half_pixel", "pytorch_half_pixel", "align_corners"):
        ctx.emit("RESIZE_BILINEAR", [ctx.t(node.input[0])], node.output[0], align_corners=ctm == "align_corners",
                 scale_h=scale_h if ctm != "align_corners" else 0.0, scale_w=scale_w if ctm != "align_corners" else 0.0)
    else:
        raise _Unsupported(f"mode {mode} with coordinate_transformation_mode {ctm} has no Ember equivalent")


@handles("Gather")
def _gather(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("GATHER", [ctx.t(node.input[0]), ctx.t(node.input[1])], node.output[0],
             axis=int(a.get("axis", 0)) % rank)


@handles("Expand")
def _expand(ctx, node, a):
    ctx.emit("EXPAND", [ctx.t(node.input[0])], node.output[0])


@handles("Where")
def _where(ctx, node, a):
    ctx.emit("WHERE", [ctx.t(i) for i in node.input], node.output[0])


@handles("LayerNormalization")
def _layer_norm(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ins = [ctx.t(node.input[0])] + [ctx.t(i) if i else None for i in list(node.input[1:3])]
    ins += [None] * (3 - len(ins))
    ctx.emit("LAYER_NORM", ins, node.output[0], axis=int(a.get("axis", -1)) % rank,
             epsilon=float(a.get("epsilon", 1e-5)))


def _slice_axis(ctx, x, axis, start, step, out_name, shape):
    out = ctx.g.add_tensor(out_name, ctx.g.tensors[x].dtype, [Dim.static(d) for d in shape])
    ctx.g.nodes.append(Node("SLICE", [x], [out], {"axis": axis, "start": int(start), "step": int(step)}, ctx.src))
    return out


@handles("Split")
def _split(ctx, node, a):
    x = ctx.t(node.input[0])
    dims = [d.add for d in ctx.g.tensors[x].dims]
    axis = int(a.get("axis", 0)) % len(dims)
    start = 0
    for o in node.output:
        shape = ctx.shapes[o][0]
        ctx.env[o] = _slice_axis(ctx, x, axis, start, 1, o, shape)
        start += shape[axis]


@handles("Slice")
def _slice(ctx, node, a):
    x = ctx.t(node.input[0])
    dims = [d.add for d in ctx.g.tensors[x].dims]
    consts = [ctx.const.get(i) if i else None for i in list(node.input[1:]) + [""] * (5 - len(node.input))]
    starts, ends, axes, steps = consts[:4]
    if starts is None or ends is None or (len(node.input) > 3 and node.input[3] and axes is None) or \
            (len(node.input) > 4 and node.input[4] and steps is None):
        raise _Unsupported("starts, ends, axes and steps must be constant")
    axes = list(range(len(starts))) if axes is None else [int(v) % len(dims) for v in axes]
    steps = [1] * len(axes) if steps is None else [int(v) for v in steps]
    if any(st <= 0 for st in steps):
        raise _Unsupported("negative or zero steps")
    shape = list(dims)
    for k, (axis, st) in enumerate(zip(axes, steps)):
        n = dims[axis]
        b = int(starts[k])
        b = max(0, min(n, b + n if b < 0 else b))
        e = int(ends[k])
        e = max(0, min(n, e + n if e < 0 else e))
        shape[axis] = max(0, -(-(e - b) // st))
        last = k == len(axes) - 1
        x = _slice_axis(ctx, x, axis, b, st, node.output[0] if last else node.output[0] + f"_{k}", shape)
    ctx.env[node.output[0]] = x


@handles("Cast", "CastLike")
def _cast(ctx, node, a):
    if node.op_type == "Cast":
        dtype = ONNX_DTYPES.get(int(a.get("to", 0)))
    else:
        dtype = ctx.shapes[node.input[1]][1] if node.input[1] in ctx.shapes else ctx.const[node.input[1]].dtype.type
    if dtype is None:
        raise _Unsupported("a dtype Ember does not have")
    x = ctx.t(node.input[0])
    if ctx.g.tensors[x].dtype == np.dtype(dtype):
        ctx.emit("RESHAPE", [x], node.output[0], dtype=dtype)
    else:
        ctx.emit("CAST", [x], node.output[0], dtype=dtype)
