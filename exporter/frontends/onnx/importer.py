"""The ONNX front end's import context: an .onnx model (opset 13 or newer; older ones are upgraded by onnx's
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
from exporter.frontends.onnx.model import ONNX_DTYPES, attributes, load_model, topological
from exporter.frontends.onnx.registry import HANDLERS, NeedsConstant, TraceError, Unsupported
from exporter.ir import Dim, Graph, Node, Symbol


# Nodes never computed at export even with constant inputs: each run may differ.
_RANDOM = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial"}


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
        raise Unsupported(f"input '{name}' is not available")

    def constant(self, name, what, symbolic_ok=False):
        """The constant value of input `name` (None when the input is absent, ""), or
        NeedsConstant naming it. With symbolic_ok, a value computed from dynamic sizes
        (the caller takes the sizes from the fitted output shape instead) gives None."""
        if not name:
            return None
        if name in self.symbolic:
            if symbolic_ok:
                return None
            raise Unsupported(f"{what} follows a dynamic dimension ('{name}'); Ember needs it fixed")
        if name not in self.const:
            raise NeedsConstant(name, what)
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
            raise Unsupported(f"output '{name}' has no static shape after shape inference")
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
            raise Unsupported("this mapping needs static sizes, and an operand has a dynamic dimension")
        return [d.add for d in dims]

    def static_shape(self, name, axes=None):
        """The traced shape of ONNX value `name`; the sizes on `axes` (default: all) must
        not depend on a dynamic size."""
        shape = self.shapes[name][0]
        if name in self.fitted:
            axes = range(len(shape)) if axes is None else axes
            if any(not self.fitted[name][a].is_static for a in axes):
                raise Unsupported("this mapping needs static sizes, and an operand has a dynamic dimension")
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
            raise Unsupported(f"the rank of '{name}' changes with the dynamic sizes")
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
                raise Unsupported(f"dimension {axis} of '{name}' is not c*S + a or c*S*T + a of the dynamic "
                                   f"sizes {order}")
            dims.append(dim)
        return dims

    def run(self, feeds=None, bind=None):
        """(IR graph, example inputs): trace the model at the sizes' points, fit every
        tensor's dimensions, then map each node (see import_onnx)."""
        inputs = self._runtime_inputs(bind)
        nodes = topological(self.model.graph, list(self.const) + [i.name for i in inputs])
        order = [] if feeds is not None else self._symbols(inputs)
        points = self._points(order)
        rng = np.random.default_rng(0)
        runs = [self._run_at(pt, order, inputs, feeds, bind, rng) for pt in points]
        examples = [runs[0][0][i.name] for i in inputs]
        for i in inputs:
            self.shapes[i.name] = (list(runs[0][0][i.name].shape), self.shapes[i.name][1])
        for name, v in runs[0][1].items():     # the declared dtype; else the traced one (float64: float32)
            declared = self.shapes.get(name, (None, None))[1]
            self.shapes[name] = (list(v.shape), declared or (np.float32 if v.dtype == np.float64 else v.dtype.type))
        if order:       # dimensions as functions of the dynamic sizes
            self._fit_all([i.name for i in inputs] + list(runs[0][1]), runs, points, order)
        for i in inputs:
            name = self.g.add_tensor(i.name, self.shapes[i.name][1], self.value_dims(i.name), exact=True)
            self.g.tensors[name].eager = i.name
            self.env[i.name] = name
            self.g.inputs.append(name)
        self._map_nodes(nodes, runs, {i.name for i in inputs})
        for o in self.model.graph.output:
            if o.name in self.symbolic:
                raise UnsupportedOpsError(f"ONNX output '{o.name}' is shape arithmetic of the dynamic sizes, "
                                          f"not a tensor Ember computes")
            self.g.outputs.append(self.t(o.name))
        return self.g, examples

    def _runtime_inputs(self, bind):
        """Initializers and bound inputs become constants; the graph inputs left, each with
        an Ember dtype."""
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
                                  f"(Ember has float32, float16, float64, int8, uint8, int32, int64 and bool)")
        return inputs

    def _points(self, order):
        """The trace points: every size at its maximum; then each size one below; then every
        size at its minimum (a dimension's formula is fitted on the first and checked on all)."""
        top = [s.max for s in self.g.symbols]
        points = [top] + [[v - (j == k) for j, v in enumerate(top)] for k in range(len(order))]
        if order:
            points.append([s.min for s in self.g.symbols])
            points.append([max(s.min, s.max - 2) for s in self.g.symbols])
        return points

    def _run_at(self, point, order, inputs, feeds, bind, rng):
        """(feeds, {value: array}) of one trace of the model at the sizes `point`."""
        values = dict(zip(order, point))
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
        return point_feeds, self._trace(point_feeds, sizes)

    def _fit_all(self, names, runs, points, order):
        for name in names:
            shapes = [list((f if name in f else r)[name].shape) for f, r in runs]
            try:
                dims = self._fit(name, shapes, points, order)
            except Unsupported as e:
                self.unfitted[name] = str(e)
                continue
            if not all(d.is_static for d in dims):
                self.fitted[name] = dims

    def _map_nodes(self, nodes, runs, input_names):
        """Each node to constants, shape arithmetic or Ember operators; every unsupported
        node reported at once (only the first problem of a chain)."""
        unsupported, failed, needed = [], set(), set()
        for node in nodes:
            self.src = f"{node.name or node.op_type} ({node.op_type})"
            if any(i in failed for i in node.input):
                failed.update(node.output)
                continue
            first = len(self.g.nodes)
            try:
                self._map_node(node, runs)
                self._record_origin(node, first)
            except Unsupported as e:
                if isinstance(e, NeedsConstant):
                    needed.add(e.value)
                unsupported.append(f"  {node.op_type} node '{node.name}': {e}")
                failed.update(node.output)
            except Exception as e:   # the reference evaluator or a malformed attribute
                unsupported.append(f"  {node.op_type} node '{node.name}': {type(e).__name__}: {e}")
                failed.update(node.output)
        if unsupported:
            error = UnsupportedOpsError(f"{len(unsupported)} ONNX node(s) cannot be imported:\n"
                                        + "\n".join(unsupported))
            error.needs_constant = _graph_inputs_behind(self.model.graph, needed, input_names)
            raise error

    def _record_origin(self, node, first):
        """Debug facts for per-layer validation: the operators emitted for `node` came from
        it; the tensor of each of its outputs holds that ONNX value (first writer names it)."""
        for n in self.g.nodes[first:]:
            n.origin = node.name or node.op_type
        for o in node.output:
            t = self.g.tensors.get(self.env.get(o)) if o else None
            if t is not None and t.eager is None and not t.is_constant:
                t.eager = o

    def _map_node(self, node, runs):
        bad = [o for o in node.output if o in self.unfitted]
        if bad:
            raise Unsupported(self.unfitted[bad[0]])
        known = node.op_type in ("Shape", "Size") or all(
            i == "" or i in self.const or i in self.symbolic for i in node.input)
        if known and node.op_type not in _RANDOM:
            # computable at export: a constant, or shape arithmetic of the dynamic sizes
            for o in node.output:
                if not o:
                    continue
                vals = [r[o] for _, r in runs]
                if all(v.shape == vals[0].shape and np.array_equal(v, vals[0]) for v in vals[1:]):
                    v = vals[0]
                    declared = self.shapes.get(o, (None, None))[1]
                    self.const[o] = v.astype(np.float32) if v.dtype == np.float64 and declared != np.float64 else v
                else:
                    self.symbolic.add(o)
            return
        handler = HANDLERS.get(node.op_type)
        if handler is None:
            raise Unsupported("no Ember mapping for this ONNX op")
        handler(self, node, attributes(node))


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
    model, opset = load_model(path)
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
