"""ONNX front end: an .onnx model (opset 13 or newer; older ones are upgraded by onnx's
version converter) -> the exporter IR.

    graph, example_inputs = import_onnx("model.onnx", dims={"batch": (1, 8)})

Shapes come from onnx.shape_inference and from runs of onnx's own reference evaluator
(the trace). An op Ember has no mapping for, but which ONNX defines as a function of
other ops, is first replaced by that function's body. Initializers, Constant nodes and
every node computable at export (inputs all constant) become IR constants, so shape
arithmetic (Shape, Gather, Concat, ...) disappears for static shapes. Every other node
maps onto Ember ops with the same NCHW conventions as the PyTorch path; every
unsupported node is reported at once, with its name.

Dynamic dimensions: each dim_param named in `dims` becomes an Ember size (Symbol). The
model is traced at several sizes and every tensor's dimensions are fitted as constants,
c*S + a or c*S*T + a of the sizes, and checked at every traced point; shape arithmetic
that follows the sizes stays symbolic (`_Importer.symbolic`) and is not emitted.
"""
from __future__ import annotations

import numpy as np

from exporter.errors import ExportError, UnsupportedOpsError
from exporter.ir import Dim, Graph, Node, Symbol

ONNX_DTYPES = {1: np.float32, 3: np.int8, 6: np.int32, 7: np.int64, 9: np.bool_, 2: np.uint8}


class _Unsupported(Exception):
    pass


class TraceError(ExportError):
    """onnx's reference evaluator cannot run the model on the example inputs (for the
    backend: perhaps only on these inputs, e.g. a shape input of zeros)."""


class _NeedsConstant(_Unsupported):
    """An input Ember must know at export time (a shape, axes, pads, a weight) is computed
    at run time; `value` names it."""
    def __init__(self, value, what):
        super().__init__(f"{what} must be constant ('{value}' is computed at run time)")
        self.value = value


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
        # older models are upgraded to opset 13 by onnx's own version converter
        from onnx import version_converter
        try:
            model = version_converter.convert_version(model, 13)
        except Exception as e:
            raise ExportError(f"'{path}': opset {opset['ai.onnx']}; Ember imports opset 13 and newer, and onnx's "
                              f"version converter cannot upgrade it ({str(e).strip().splitlines()[0][:160]})") from None
        opset["ai.onnx"] = 13
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise ExportError(f"'{path}': node '{node.name}' ({node.op_type}) is in domain '{node.domain}'; "
                              f"only the default ONNX domain is supported")
    model = _infer(model, path)
    for _ in range(8):      # a function's body may hold further functions
        model, expanded = _expand_functions(model, opset["ai.onnx"])
        if not expanded:
            break
        model = _infer(model, path)
    return model, opset["ai.onnx"]


def _infer(model, path):
    import onnx
    try:
        return onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as e:
        raise ExportError(f"'{path}': shape inference failed: {str(e).strip().splitlines()[0][:200]}") from None


def _function_body(node, opset, types):
    """ONNX's own definition of `node` as a FunctionProto of simpler ops, or None."""
    import onnx
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, "")
    except Exception:
        return None
    try:
        if schema.has_function:
            body = schema.get_function_with_opset_version(opset) if schema.function_opset_versions else None
            if isinstance(body, bytes):
                proto = onnx.FunctionProto()
                proto.ParseFromString(body)
                body = proto
            return body if body is not None and len(body.node) else schema.function_body
        if schema.has_context_dependent_function:
            if any(t is None for t in types):
                return None
            data = schema.get_context_dependent_function_with_opset_version(
                opset, node.SerializeToString(), [t.SerializeToString() for t in types])
            proto = onnx.FunctionProto()
            proto.ParseFromString(data)
            return proto
    except Exception:
        return None
    return None


# Ops Ember maps, but whose variant here only ONNX's function definition covers.
_PREFER_FUNCTION = {
    "LayerNormalization": lambda node: len([o for o in node.output if o]) > 1,   # Mean, InvStdDev outputs
}


def _expand_functions(model, opset):
    """Every node of an op Ember has no mapping for, but which ONNX defines as a function
    of other ops (Attention, RMSNormalization, ReduceL2, Celu, ...), replaced by that
    function's body: the same decomposition as onnx's `_expanded` node tests."""
    import onnx
    graph = model.graph
    types = {vi.name: vi.type for vi in list(graph.value_info) + list(graph.input) + list(graph.output)}
    for init in graph.initializer:
        types.setdefault(init.name, onnx.helper.make_tensor_type_proto(init.data_type, list(init.dims)))
    nodes, expanded = [], 0
    for k, node in enumerate(graph.node):
        body = None
        mapped = node.op_type in HANDLERS and not _PREFER_FUNCTION.get(node.op_type, lambda n: False)(node)
        if not mapped and node.op_type not in ("Constant", "Shape") and node.domain in ("", "ai.onnx"):
            body = _function_body(node, opset, [types.get(i) if i else onnx.TypeProto() for i in node.input])
        if body is None or any(n.domain not in ("", "ai.onnx") or any(at.g.node or at.graphs for at in n.attribute)
                               for n in body.node):   # a subgraph (Loop, If) would need its names mapped too
            nodes.append(node)
            continue
        expanded += 1
        prefix = f"{node.name or node.op_type}_{k}/"
        rename = {f: a for f, a in zip(body.input, node.input)}
        rename.update({f: "" for f in list(body.input)[len(node.input):]})
        rename.update({f: a for f, a in zip(body.output, node.output)})
        attrs = {a.name: a for a in node.attribute}
        defaults = {a.name: a for a in body.attribute_proto}
        try:
            schema = onnx.defs.get_schema(node.op_type, opset, "")
            for name, spec in schema.attributes.items():
                if spec.default_value.type and name not in defaults:
                    defaults[name] = spec.default_value
        except onnx.defs.SchemaError:   # an op onnx has no schema for: the body's own defaults only
            pass
        for inner in body.node:
            new = onnx.NodeProto()
            new.CopyFrom(inner)
            new.name = prefix + (inner.name or inner.op_type)
            for field in (new.input, new.output):
                for j, v in enumerate(field):
                    field[j] = rename[v] if v in rename else (prefix + v if v else "")
            kept = []
            for a in new.attribute:
                if a.ref_attr_name:
                    src = attrs.get(a.ref_attr_name) or defaults.get(a.ref_attr_name)
                    if src is None:
                        continue
                    a2 = onnx.AttributeProto()
                    a2.CopyFrom(src)
                    a2.name = a.name
                    kept.append(a2)
                else:
                    kept.append(a)
            del new.attribute[:]
            new.attribute.extend(kept)
            nodes.append(new)
    if not expanded:
        return model, 0
    del graph.node[:]
    graph.node.extend(nodes)
    return model, expanded


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
    def __init__(self, model, opset, dims=None):
        self.model, self.opset = model, opset
        self.bounds = dict(dims or {})   # dim_param name -> (min, max)
        self.fitted: dict = {}       # ONNX value name -> [Dim] where a dimension is dynamic
        self.unfitted: dict = {}     # ONNX value name -> why its shape fits no formula of the sizes
        self.symbolic: set = set()   # shape arithmetic whose value follows the dynamic sizes
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

    def constant(self, name, what, symbolic_ok=False):
        """The constant value of input `name` (None when the input is absent, ""), or
        _NeedsConstant naming it. With symbolic_ok, a value computed from dynamic sizes
        (the caller takes the sizes from the fitted output shape instead) gives None."""
        if not name:
            return None
        if name in self.symbolic:
            if symbolic_ok:
                return None
            raise _Unsupported(f"{what} follows a dynamic dimension ('{name}'); Ember needs it fixed")
        if name not in self.const:
            raise _NeedsConstant(name, what)
        return self.const[name]

    def out(self, name, dtype=None, shape=None) -> str:
        if name in self.fitted:
            ir = self.g.add_tensor(name or "t", dtype or self.shapes[name][1] or np.float32, self.fitted[name],
                                   exact=True)
            self.env[name] = ir
            return ir
        known, dt = self.shapes.get(name, (None, None))
        shape = known if shape is None or (known is not None and None not in known) else shape
        if shape is None or any(d is None for d in shape):
            raise _Unsupported(f"output '{name}' has no static shape after shape inference")
        ir = self.g.add_tensor(name or "t", dtype or dt or np.float32, [Dim.static(d) for d in shape], exact=True)
        self.env[name] = ir
        return ir

    def tmp(self, op, inputs, shape, dtype=np.float32, **options):
        """An intermediate IR tensor computed by `op` (a step of a composed mapping)."""
        out = self.g.add_tensor("t", dtype, [d if isinstance(d, Dim) else Dim.static(int(d)) for d in shape])
        self.g.nodes.append(Node(op, list(inputs), [out], options, self.src))
        return out

    def dims(self, ir_name):
        """The static sizes of an IR tensor; a mapping that needs them does not apply to a
        tensor with a dynamic dimension."""
        dims = self.g.tensors[ir_name].dims
        if not all(d.is_static for d in dims):
            raise _Unsupported("this mapping needs static sizes, and an operand has a dynamic dimension")
        return [d.add for d in dims]

    def static_shape(self, name, axes=None):
        """The traced shape of ONNX value `name`; the sizes on `axes` (default: all) must
        not depend on a dynamic size."""
        shape = self.shapes[name][0]
        if name in self.fitted:
            axes = range(len(shape)) if axes is None else axes
            if any(not self.fitted[name][a].is_static for a in axes):
                raise _Unsupported("this mapping needs static sizes, and an operand has a dynamic dimension")
        return shape

    def value_dims(self, name):
        """The IR dimensions of ONNX value `name` (fitted where dynamic)."""
        return self.fitted.get(name) or [Dim.static(d) for d in self.shapes[name][0]]

    def emit(self, op, inputs, onnx_out, dtype=None, shape=None, **options):
        out = self.out(onnx_out, dtype, shape)
        self.g.nodes.append(Node(op, list(inputs), [out], options, self.src))
        return out

    def rank(self, name):
        return len(self.shapes[name][0]) if name in self.shapes else self.const[name].ndim

    def _trace(self, feeds, sizes=""):
        """{value name: array} for every node output, from one run of onnx's reference
        evaluator on `feeds` (shape inference alone stops at computed shapes)."""
        from onnx.reference import ReferenceEvaluator
        names = [o for n in self.model.graph.node for o in n.output if o]
        try:
            values = ReferenceEvaluator(self.model).run(names, feeds)
        except Exception as e:
            raise TraceError(f"ONNX model: onnx's reference evaluator cannot run it{sizes}: {type(e).__name__}: "
                              f"{str(e).strip().splitlines()[0][:200] if str(e).strip() else ''}") from None
        return {name: np.asarray(v) for name, v in zip(names, values)}

    def _input_dims(self, i):
        """Each dimension of graph input `i`: an int, or the name of a dynamic size."""
        dims = []
        for k, d in enumerate(i.type.tensor_type.shape.dim):
            if d.HasField("dim_value"):
                dims.append(int(d.dim_value))
            elif d.dim_param and d.dim_param in self.bounds:
                lo, hi = self.bounds[d.dim_param]
                dims.append(hi if lo == hi else d.dim_param)
            else:
                named = f"'{d.dim_param}'" if d.dim_param else "unnamed"
                raise ExportError(f"ONNX input '{i.name}' dimension {k} is dynamic ({named}): bound it with "
                                  f"--dim {d.dim_param or 'NAME'}=MAX (or MIN..MAX)"
                                  + ("" if d.dim_param else "; an unnamed dimension cannot be bounded"))
        return dims

    def _symbols(self, inputs):
        """The dynamic sizes the inputs use, as IR symbols, in order of first use."""
        named = {d.dim_param for i in inputs for d in i.type.tensor_type.shape.dim if d.dim_param}
        unused = set(self.bounds) - named
        if unused:
            raise ExportError(f"--dim {sorted(unused)[0]}: no input dimension of this model is named so "
                              f"(named: {', '.join(sorted(named)) or 'none'})")
        order = []
        for i in inputs:
            for d in self._input_dims(i):
                if isinstance(d, str) and d not in order:
                    order.append(d)
        for name in order:
            lo, hi = self.bounds[name]
            self.g.symbols.append(Symbol(name, int(lo), int(hi)))
        return order

    def _fit(self, name, shapes, points, order):
        """IR dims of a value from its shapes at the trace points: each dimension a
        constant, c*S + a or c*S*T + a of the dynamic sizes, checked at every point."""
        base = shapes[0]
        if any(len(sh) != len(base) for sh in shapes):
            raise _Unsupported(f"the rank of '{name}' changes with the dynamic sizes")
        dims = []
        for axis, size in enumerate(base):
            deps = [k for k in range(len(order)) if shapes[1 + k][axis] != size]
            dim = None
            if not deps and all(sh[axis] == size for sh in shapes):
                dim = Dim.static(size)
            elif len(deps) == 1:
                k = deps[0]
                step = points[0][k] - points[1 + k][k]
                c, r = divmod(size - shapes[1 + k][axis], step)
                if r == 0:
                    dim = Dim(int(c), int(size - c * points[0][k]), k, -1)
            elif len(deps) == 2:
                k, j = deps
                step = (points[0][k] - points[1 + k][k]) * points[0][j]
                c, r = divmod(size - shapes[1 + k][axis], step)
                if r == 0:
                    dim = Dim(int(c), int(size - c * points[0][k] * points[0][j]), k, j)
            if dim is None or any(dim.evaluate(pt) != sh[axis] for pt, sh in zip(points, shapes)):
                raise _Unsupported(f"dimension {axis} of '{name}' is not c*S + a or c*S*T + a of the dynamic "
                                   f"sizes {order}")
            dims.append(dim)
        return dims

    def run(self, feeds=None, bind=None):
        import onnx
        graph = self.model.graph
        for init in graph.initializer:
            self.const[init.name] = onnx.numpy_helper.to_array(init)
        for name, value in (bind or {}).items():
            self.const[name] = np.asarray(value)
        inputs = [i for i in graph.input if i.name not in self.const]
        for i in inputs:
            if self.shapes[i.name][1] is None:
                elem = i.type.tensor_type.elem_type if i.type.HasField("tensor_type") else None
                kind = (onnx.helper.tensor_dtype_to_string(elem) if elem else f"a {i.type.WhichOneof('value')}")
                raise ExportError(f"ONNX input '{i.name}': {kind} has no Ember dtype "
                                  f"(Ember has float32, int8, uint8, int32, int64 and bool)")
        nodes = _topological(graph, list(self.const) + [i.name for i in inputs])
        order = [] if feeds is not None else self._symbols(inputs)
        # trace points: every size at its maximum; then each size one below; then every
        # size at its minimum (a dimension's formula is fitted on the first and checked on all)
        top = [s.max for s in self.g.symbols]
        points = [top] + [[v - (j == k) for j, v in enumerate(top)] for k in range(len(order))]
        if order:
            points.append([s.min for s in self.g.symbols])
            points.append([max(s.min, s.max - 2) for s in self.g.symbols])
        rng = np.random.default_rng(0)
        runs = []
        for pt in points:
            values = dict(zip(order, pt))
            point_feeds = {k: self.const[k] for k in (bind or {})}
            for i in inputs:
                dtype = self.shapes[i.name][1]
                if feeds is not None and i.name in feeds:
                    value = np.asarray(feeds[i.name]).astype(dtype)
                else:
                    shape = [values[d] if isinstance(d, str) else d for d in self._input_dims(i)]
                    value = (rng.standard_normal(shape).astype(dtype) if np.dtype(dtype).kind == "f"
                             else np.zeros(shape, dtype))
                point_feeds[i.name] = value
            sizes = (f" at sizes {', '.join(f'{k}={v}' for k, v in values.items())} (is the model valid for "
                     f"every size in the --dim ranges?)") if values else ""
            runs.append((point_feeds, self._trace(point_feeds, sizes)))
        examples = [runs[0][0][i.name] for i in inputs]
        for i in inputs:
            self.shapes[i.name] = (list(runs[0][0][i.name].shape), self.shapes[i.name][1])
        for name, v in runs[0][1].items():
            self.shapes[name] = (list(v.shape), np.float32 if v.dtype == np.float64 else v.dtype.type)
        unsupported, failed, needed = [], set(), set()
        if order:       # dimensions as functions of the dynamic sizes
            for name in [i.name for i in inputs] + list(runs[0][1]):
                shapes = [list((f if name in f else r)[name].shape) for f, r in runs]
                try:
                    dims = self._fit(name, shapes, points, order)
                except _Unsupported as e:
                    self.unfitted[name] = str(e)
                    continue
                if not all(d.is_static for d in dims):
                    self.fitted[name] = dims
        for i in inputs:
            name = self.g.add_tensor(i.name, self.shapes[i.name][1], self.value_dims(i.name), exact=True)
            self.env[i.name] = name
            self.g.inputs.append(name)
        for node in nodes:
            self.src = f"{node.name or node.op_type} ({node.op_type})"
            if any(i in failed for i in node.input):      # only the first problem of a chain is reported
                failed.update(node.output)
                continue
            try:
                bad = [o for o in node.output if o in self.unfitted]
                if bad:
                    raise _Unsupported(self.unfitted[bad[0]])
                known = node.op_type in ("Shape", "Size") or all(
                    i == "" or i in self.const or i in self.symbolic for i in node.input)
                if known and node.op_type not in ("RandomNormal", "RandomUniform", "RandomNormalLike",
                                                  "RandomUniformLike", "Bernoulli", "Multinomial"):
                    # computable at export: a constant, or shape arithmetic of the dynamic sizes
                    for o in node.output:
                        if not o:
                            continue
                        vals = [r[o] for _, r in runs]
                        if all(v.shape == vals[0].shape and np.array_equal(v, vals[0]) for v in vals[1:]):
                            v = vals[0]
                            self.const[o] = v.astype(np.float32) if v.dtype == np.float64 else v
                        else:
                            self.symbolic.add(o)
                else:
                    handler = HANDLERS.get(node.op_type)
                    if handler is None:
                        raise _Unsupported("no Ember mapping for this ONNX op")
                    handler(self, node, _attrs(node))
            except _Unsupported as e:
                if isinstance(e, _NeedsConstant):
                    needed.add(e.value)
                unsupported.append(f"  {node.op_type} node '{node.name}': {e}")
                failed.update(node.output)
            except Exception as e:   # the reference evaluator or a malformed attribute
                unsupported.append(f"  {node.op_type} node '{node.name}': {type(e).__name__}: {e}")
                failed.update(node.output)
        if unsupported:
            error = UnsupportedOpsError(f"{len(unsupported)} ONNX node(s) cannot be imported:\n"
                                        + "\n".join(unsupported))
            error.needs_constant = _graph_inputs_behind(graph, needed, {i.name for i in inputs})
            raise error
        for o in graph.output:
            if o.name in self.symbolic:
                raise UnsupportedOpsError(f"ONNX output '{o.name}' is shape arithmetic of the dynamic sizes, "
                                          f"not a tensor Ember computes")
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
        x, y = ctx.t(node.input[0]), ctx.t(node.input[1])
        tx, ty = ctx.g.tensors[x].dtype, ctx.g.tensors[y].dtype
        if _op == "POW" and tx != ty:   # ONNX's Pow mixes dtypes: compute in float32, cast back
            if ty != np.float32:
                y = ctx.tmp("CAST", [y], ctx.dims(y), np.float32)
            if tx != np.float32:
                x = ctx.tmp("CAST", [x], ctx.dims(x), np.float32)
                shape = np.broadcast_shapes(tuple(ctx.dims(x)), tuple(ctx.dims(y)))
                p = ctx.tmp("POW", [x, y], shape, np.float32, activation=0)
                return ctx.emit("CAST", [p], node.output[0], dtype=tx)
        ctx.emit(_op, [x, y], node.output[0], activation=0)
    HANDLERS[_onnx] = _binary

for _onnx, _ember in {"Relu": "RELU", "Sigmoid": "SIGMOID", "Tanh": "TANH", "Exp": "EXP", "Log": "LOG",
                      "Sqrt": "SQRT", "Neg": "NEG", "Abs": "ABS", "Erf": "ERF", "Not": "LOGICAL_NOT",
                      "HardSwish": "HARDSWISH"}.items():
    def _unary(ctx, node, a, _op=_ember):
        ctx.emit(_op, [ctx.t(node.input[0])], node.output[0])
    HANDLERS[_onnx] = _unary


@handles("Identity", "Flatten", "Reshape", "Squeeze", "Unsqueeze")
def _view(ctx, node, a):
    # the output shape comes from the shape trace; a shape or axes input must then be a
    # constant (a run-time value could give another shape than the traced one)
    if len(node.input) > 1:
        ctx.constant(node.input[1], "the target shape" if node.op_type == "Reshape" else "axes",
                     symbolic_ok=node.op_type == "Reshape")
    ctx.emit("RESHAPE", [ctx.t(node.input[0])], node.output[0])


@handles("Conv")
def _conv(ctx, node, a):
    w = ctx.constant(node.input[1], "the weight")
    nd = w.ndim - 2
    if nd not in (1, 2):
        raise _Unsupported(f"{nd}-D convolution (Ember maps 1-D and 2-D)")
    strides, dil = list(a.get("strides", [1] * nd)), list(a.get("dilations", [1] * nd))
    spatial = range(2, 2 + nd)
    pads, _ = _window_pads(a, ctx.static_shape(node.input[0], spatial)[2:],
                           ctx.static_shape(node.output[0], spatial)[2:], list(w.shape[2:]), strides, dil)
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
    n, c, length = ctx.value_dims(node.output[0])
    y4 = ctx.g.add_tensor(node.output[0] + "_4d", np.float32, [n, c, Dim.static(1), length])
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
        raise _Unsupported("the Indices output")
    k = list(a["kernel_shape"])
    if len(k) not in (1, 2):
        raise _Unsupported(f"{len(k)}-D pooling (Ember maps 1-D and 2-D)")
    strides, dil = list(a.get("strides", [1] * len(k))), list(a.get("dilations", [1] * len(k)))
    x = ctx.t(node.input[0])
    spatial = range(2, 2 + len(k))
    dims, out = ctx.static_shape(node.input[0], spatial), ctx.static_shape(node.output[0], spatial)
    pads, grown = _window_pads(a, dims[2:], out[2:], k, strides, dil)
    include = bool(a.get("count_include_pad", 0))
    if grown and include and op == "AVG_POOL2D":
        raise _Unsupported("ceil_mode with count_include_pad")
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
        axes = ctx.constant(node.input[1], "axes").tolist()
    else:
        axes = a.get("axes", [])
    if not axes and a.get("noop_with_empty_axes", 0):
        return ctx.emit("RESHAPE", [ctx.t(node.input[0])], node.output[0])
    axes = sorted(int(x) % rank for x in axes) or list(range(rank))
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
    lo = ctx.constant(node.input[1], "min") if len(node.input) > 1 else None
    hi = ctx.constant(node.input[2], "max") if len(node.input) > 2 else None
    x = ctx.t(node.input[0])
    dtype = ctx.g.tensors[x].dtype
    if dtype != np.float32:     # integers: max(x, lo), then min(., hi) (ONNX's order)
        steps = [(op, v) for op, v in (("MAXIMUM", lo), ("MINIMUM", hi)) if v is not None]
        if not steps:
            return ctx.emit("RESHAPE", [x], node.output[0])
        for k, (op, v) in enumerate(steps):
            c = ctx.g.add_constant("clip_bound", np.asarray(v, dtype).reshape(()))
            x = (ctx.emit(op, [x, c], node.output[0], activation=0) if k == len(steps) - 1
                 else ctx.tmp(op, [x, c], ctx.dims(x), dtype, activation=0))
        return x
    if lo is not None and hi is not None and float(lo) == 0.0 and np.isinf(float(hi)):
        return ctx.emit("RELU", [ctx.t(node.input[0])], node.output[0])
    ctx.emit("CLAMP", [ctx.t(node.input[0])], node.output[0],
             min=float(lo) if lo is not None else -np.inf, max=float(hi) if hi is not None else np.inf)


@handles("BatchNormalization")
def _batchnorm(ctx, node, a):
    if a.get("training_mode", 0):
        raise _Unsupported("training mode (batch statistics)")
    scale, bias, mean, var = (ctx.constant(i, "batch norm's scale, bias and statistics") for i in node.input[1:5])
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
    pads = ctx.constant(node.input[1], "pads")
    value = ctx.constant(node.input[2], "the pad value") if len(node.input) > 2 else None
    value = np.float32(0) if value is None or value.size == 0 else value
    axes = ctx.constant(node.input[3], "axes") if len(node.input) > 3 else None
    rank = ctx.rank(node.input[0])
    pads = [int(v) for v in pads.tolist()]
    if axes is not None:        # pads of the named axes only
        full = [0] * (2 * rank)
        axes = [int(v) % rank for v in axes.tolist()]
        for k, axis in enumerate(axes):
            full[axis], full[axis + rank] = pads[k], pads[k + len(axes)]
        pads = full
    x = ctx.t(node.input[0])
    shape = [d + pads[i] + pads[i + rank] for i, d in enumerate(ctx.dims(x))]
    ctx.emit("PAD", [x], node.output[0], shape=shape,
             pads=[v for d in range(rank) for v in (pads[d], pads[d + rank])], value=float(value))


def import_onnx(path, feeds=None, bind=None, dims=None):
    """(IR graph, example inputs) of the ONNX model at `path` (or a ModelProto).

    feeds: {input name: array}, example inputs for the shape trace (default: random
    values of the declared shapes). bind: {input name: array}, graph inputs fixed at
    export time: they become constants and leave the program's inputs. When import
    fails only because some inputs must be constant, the UnsupportedOpsError's
    `needs_constant` names the graph inputs they come from. dims: {dim_param name:
    (min, max)}, the bounds of the model's named dynamic dimensions; each becomes an
    Ember size, and every tensor's shape a formula of the sizes fitted on traces of
    the model at several sizes (without feeds only)."""
    model, opset = _load(path)
    return _Importer(model, opset, dims).run(feeds, bind)


def _graph_inputs_behind(graph, values, inputs):
    """The graph inputs (of `inputs`) that the ONNX values `values` are computed from."""
    producer = {o: n for n in graph.node for o in n.output}
    found, todo, seen = set(), list(values), set()
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        if v in inputs:
            found.add(v)
        elif v in producer:
            todo += [i for i in producer[v].input if i]
    return found


@handles("Resize")
def _resize(ctx, node, a):
    """torch's nearest (asymmetric, floor) and bilinear (half_pixel or align_corners)."""
    def text(key, default):
        v = a.get(key, default)
        return v.decode() if isinstance(v, bytes) else v
    for i in node.input[1:]:
        ctx.constant(i, "roi, scales and sizes")
    mode, ctm = text("mode", "nearest"), text("coordinate_transformation_mode", "half_pixel")
    rank = ctx.rank(node.input[0])
    if rank != 4:
        raise _Unsupported("Resize of a rank-4 (NCHW) tensor only")
    in_shape, out_shape = ctx.static_shape(node.input[0]), ctx.static_shape(node.output[0])
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
    ctx.constant(node.input[1], "the target shape", symbolic_ok=True)
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
    dims = ctx.dims(x)
    axis = int(a.get("axis", 0)) % len(dims)
    if len(node.input) > 1:
        ctx.constant(node.input[1], "split")
    start = 0
    for o in node.output:
        shape = ctx.static_shape(o)
        ctx.env[o] = _slice_axis(ctx, x, axis, start, 1, o, shape)
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


# ---- composed mappings: ONNX ops written with Ember ops -------------------------------
@handles("Reciprocal")
def _reciprocal(ctx, node, a):
    x = ctx.t(node.input[0])
    one = ctx.g.add_constant("one", np.ones((), ctx.g.tensors[x].dtype))
    ctx.emit("DIV", [one, x], node.output[0], activation=0)


@handles("Sum", "Mean", "Max", "Min")
def _variadic(ctx, node, a):
    """A fold of the binary op over every input (numpy broadcasting at each step)."""
    op = {"Sum": "ADD", "Mean": "ADD", "Max": "MAXIMUM", "Min": "MINIMUM"}[node.op_type]
    xs = [ctx.t(i) for i in node.input]
    acc = xs[0]
    dtype = ctx.g.tensors[acc].dtype
    last = len(xs) - 1 if node.op_type != "Mean" else len(xs)
    for k, x in enumerate(xs[1:], 1):
        shape = np.broadcast_shapes(tuple(ctx.dims(acc)), tuple(ctx.dims(x)))
        acc = (ctx.emit(op, [acc, x], node.output[0], activation=0) if k == last
               else ctx.tmp(op, [acc, x], shape, dtype, activation=0))
    if node.op_type == "Mean":
        scale = ctx.g.add_constant("mean_scale", np.asarray(1.0 / len(xs), dtype))
        ctx.emit("MUL", [acc, scale], node.output[0], activation=0)
    elif len(xs) == 1:
        ctx.emit("RESHAPE", [acc], node.output[0])


@handles("Dropout")
def _dropout(ctx, node, a):
    """Inference: the identity; the mask output (when asked for) is all true."""
    if len(node.input) > 2 and node.input[2]:
        training = ctx.constant(node.input[2], "training_mode")
        if training is not None and bool(training):
            raise _Unsupported("training mode (random masks)")
    x = ctx.t(node.input[0])
    ctx.emit("RESHAPE", [x], node.output[0])
    if len(node.output) > 1 and node.output[1]:
        ctx.const[node.output[1]] = np.ones(ctx.dims(x), np.bool_)
        ctx.env[node.output[1]] = ctx.g.add_constant("mask", ctx.const[node.output[1]])


@handles("ReduceMin")
def _reduce_min(ctx, node, a):
    """min(x) = -max(-x), exact for float and signed integers."""
    x = ctx.t(node.input[0])
    dtype = ctx.g.tensors[x].dtype
    if dtype.kind not in "fi":
        raise _Unsupported(f"ReduceMin of {dtype}")
    rank = len(ctx.dims(x))
    axes = ctx.constant(node.input[1], "axes") if len(node.input) > 1 else None
    axes = list(range(rank)) if axes is None and "axes" not in a else (a["axes"] if axes is None else axes.tolist())
    if not axes and a.get("noop_with_empty_axes", 0):
        return ctx.emit("RESHAPE", [x], node.output[0])
    axes = sorted(int(v) % rank for v in axes) or list(range(rank))
    neg = ctx.tmp("NEG", [x], ctx.dims(x), dtype)
    shape = ctx.static_shape(node.output[0])
    m = ctx.tmp("REDUCE_MAX", [neg], shape, dtype, axes=axes, keep_dims=bool(a.get("keepdims", 1)))
    ctx.emit("NEG", [m], node.output[0])


@handles("Xor")
def _xor(ctx, node, a):
    ctx.emit("NOT_EQUAL", [ctx.t(node.input[0]), ctx.t(node.input[1])], node.output[0])


@handles("GlobalMaxPool")
def _global_max(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("REDUCE_MAX", [ctx.t(node.input[0])], node.output[0], axes=list(range(2, rank)), keep_dims=True)


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


@handles("RNN", "GRU", "LSTM")
def _recurrent(ctx, node, a):
    """RNN, GRU and LSTM unrolled over the (static) sequence: the input projection of every
    step in one FULLY_CONNECTED, then per step the recurrent FULLY_CONNECTED and the gate
    arithmetic. ONNX's default activations only; no clip, peepholes or ragged sequences."""
    kind = node.op_type
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[kind]
    default = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}[kind]
    acts = [v.decode() if isinstance(v, bytes) else v for v in a.get("activations", [])]
    direction = _text(a, "direction", "forward")
    dirs = ["reverse"] if direction == "reverse" else ["forward", "reverse"] if direction == "bidirectional" \
        else ["forward"]
    if acts and [x.lower() for x in acts] != [x.lower() for x in default * len(dirs)]:
        raise _Unsupported(f"activations {acts} (Ember maps the defaults {default})")
    if a.get("clip") is not None or a.get("input_forget", 0):
        raise _Unsupported("clip and input_forget")
    ins = list(node.input) + [""] * (8 - len(node.input))
    W, R = ctx.constant(ins[1], "W"), ctx.constant(ins[2], "R")
    H = W.shape[1] // gates
    B = ctx.constant(ins[3], "B")
    B = np.zeros((len(dirs), 2 * gates * H), np.float32) if B is None else B
    x = ctx.t(ins[0])
    if kind == "LSTM" and ins[7] and np.any(ctx.constant(ins[7], "P")):
        raise _Unsupported("peephole weights")
    layout = int(a.get("layout", 0))
    if layout:
        d = ctx.dims(x)
        x = ctx.tmp("PERMUTE", [x], [d[1], d[0], d[2]], perm=[1, 0, 2])
    T, N, _ = ctx.dims(x)
    if ins[4]:
        lens = ctx.constant(ins[4], "sequence_lens")
        if np.any(lens != T):
            raise _Unsupported("sequences shorter than the input (sequence_lens)")

    def initial(name, d):
        if not name:
            return ctx.g.add_constant("zero_state", np.zeros((N, H), np.float32))
        s = ctx.t(name)
        s = ctx.tmp("PERMUTE", [s], [len(dirs), N, H], perm=[1, 0, 2]) if layout else s
        return ctx.tmp("RESHAPE", [_slice_axis(ctx, s, 0, d, 1, ctx.g.fresh("state"), [1, N, H])], [N, H])

    def split(t, k):
        return _slice_axis(ctx, t, 1, k * H, 1, ctx.g.fresh("gate"), [N, H])

    def fc(inp, w, b, rows):
        ins_ = [inp, ctx.g.add_constant("rnn_weight", np.ascontiguousarray(w, np.float32))]
        if b is not None:
            ins_.append(ctx.g.add_constant("rnn_bias", np.ascontiguousarray(b, np.float32)))
        return ctx.tmp("FULLY_CONNECTED", ins_, rows + [w.shape[0]], activation=0)

    def op(name, *args):
        return ctx.tmp(name, list(args), [N, H], **({"activation": 0} if name in ("ADD", "SUB", "MUL") else {}))

    one = ctx.g.add_constant("one", np.ones((), np.float32))
    ys, finals, cells = [], [], []
    for d, way in enumerate(dirs):
        wb, rb = B[d][:gates * H].astype(np.float32), B[d][gates * H:].astype(np.float32)
        x_bias, h_bias = wb + rb, None
        if kind == "GRU":      # the candidate gate's recurrent bias stays inside r * (...)
            x_bias = wb + np.concatenate([rb[:2 * H], np.zeros(H, np.float32)])
            h_bias = np.concatenate([np.zeros(2 * H, np.float32), rb[2 * H:]])
        gx = fc(x, W[d], x_bias, [T, N])
        h = initial(ins[5], d)
        c = initial(ins[6], d) if kind == "LSTM" else None
        steps = [None] * T
        for t in (range(T) if way == "forward" else range(T - 1, -1, -1)):
            xt = ctx.tmp("RESHAPE", [_slice_axis(ctx, gx, 0, t, 1, ctx.g.fresh("step"), [1, N, gates * H])],
                         [N, gates * H])
            if kind == "RNN":
                h = op("TANH", op("ADD", xt, fc(h, R[d], None, [N])))
            elif kind == "LSTM":
                g = ctx.tmp("ADD", [xt, fc(h, R[d], None, [N])], [N, 4 * H], activation=0)
                i, o, f, cc = (split(g, k) for k in range(4))
                c = op("ADD", op("MUL", op("SIGMOID", f), c), op("MUL", op("SIGMOID", i), op("TANH", cc)))
                h = op("MUL", op("SIGMOID", o), op("TANH", c))
            else:
                if a.get("linear_before_reset", 0):
                    hr = fc(h, R[d], h_bias, [N])
                    z, r = op("SIGMOID", op("ADD", split(xt, 0), split(hr, 0))), \
                        op("SIGMOID", op("ADD", split(xt, 1), split(hr, 1)))
                    cand = op("TANH", op("ADD", split(xt, 2), op("MUL", r, split(hr, 2))))
                else:
                    hr = fc(h, R[d][:2 * H], None, [N])
                    z, r = op("SIGMOID", op("ADD", split(xt, 0), split(hr, 0))), \
                        op("SIGMOID", op("ADD", split(xt, 1), split(hr, 1)))
                    cand = op("TANH", op("ADD", split(xt, 2), fc(op("MUL", r, h), R[d][2 * H:], rb[2 * H:], [N])))
                h = op("ADD", op("MUL", op("SUB", one, z), cand), op("MUL", z, h))
            steps[t] = ctx.tmp("RESHAPE", [h], [1, 1, N, H])
        ys.append(ctx.tmp("CONCAT", steps, [T, 1, N, H], axis=0) if T > 1 else steps[0])
        finals.append(ctx.tmp("RESHAPE", [h], [1, N, H]))
        if c is not None:
            cells.append(ctx.tmp("RESHAPE", [c], [1, N, H]))

    def stack(parts, shape, axis):
        return parts[0] if len(parts) == 1 else ctx.tmp("CONCAT", parts, shape, axis=axis)
    outs = list(node.output) + [""] * 3
    if outs[0]:
        y = stack(ys, [T, len(dirs), N, H], 1)
        ctx.emit("PERMUTE", [y], outs[0], perm=[2, 0, 1, 3]) if layout else ctx.emit("RESHAPE", [y], outs[0])
    for name, parts in ((outs[1], finals), (outs[2], cells)):
        if name:
            s = stack(parts, [len(dirs), N, H], 0)
            ctx.emit("PERMUTE", [s], name, perm=[1, 0, 2]) if layout else ctx.emit("RESHAPE", [s], name)
