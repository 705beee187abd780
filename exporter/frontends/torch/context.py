"""The torch front end's lowering context: an ExportedProgram walked node by node into
the Ember IR.

Each supported ATen overload has one small function in LOWERINGS (registry.py; the
functions in ops_*.py). Nodes whose inputs are all constants are folded with torch
(fold.py).
Every unsupported operator is collected, then reported in one ExportError
that names the op and the user's source line.
"""
from __future__ import annotations

import operator
import re

import numpy as np
import sympy
import torch
import torch.fx

from exporter.frontends.torch.capture import Captured, state_key
from exporter.errors import ExportError, UnsupportedOpsError
from exporter.ir import Dim, Graph, Symbol
from exporter.frontends.torch.fold import try_fold
from exporter.frontends.torch.coverage import EXCLUDED
from exporter.frontends.torch.registry import LOWERINGS, SKIP
from exporter.frontends.torch.sizes import SizeError, dim_of

aten = torch.ops.aten

TORCH_TO_NUMPY = {torch.float32: np.float32, torch.int8: np.int8, torch.int32: np.int32,
                  torch.int64: np.int64, torch.bool: np.bool_, torch.uint8: np.uint8}


class Unsupported(Exception):
    """Raised by a lowering function: this use of the op has no Ember equivalent."""


def source_line(node: torch.fx.Node) -> str:
    """The innermost user frame of the node's stack trace, as 'file:line: code'."""
    trace = node.meta.get("stack_trace") or ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in [^\n]*\n\s*([^\n]*)', trace)
    user = [f for f in frames if "/torch/" not in f[0] and "/transformers/" not in f[0]] or frames
    if not user:
        return ""
    path, line, code = user[-1]
    return f"{path}:{line}: {code.strip()}"


def numpy_dtype(torch_dtype) -> np.dtype:
    if torch_dtype not in TORCH_TO_NUMPY:
        raise Unsupported(f"dtype {torch_dtype} is not supported")
    return np.dtype(TORCH_TO_NUMPY[torch_dtype])


def to_numpy(t: torch.Tensor) -> np.ndarray:
    t = t.detach()
    if t.dtype not in TORCH_TO_NUMPY:
        if t.is_floating_point():
            t = t.float()
        else:
            raise Unsupported(f"constant of dtype {t.dtype} is not supported")
    array = t.contiguous().numpy()
    return np.ascontiguousarray(array).reshape(array.shape)


class Lowering:
    def __init__(self, captured: Captured):
        self.ep = captured.program
        self.graph = Graph()
        self.env: dict = {}          # fx node name -> IR tensor name | tuple | python value
        self.constants: dict = {}    # fx node name -> torch value (folded or parameter)
        self.const_ir: dict = {}     # fx node name -> IR constant tensor name
        self.symbols: dict = {}      # sympy symbol -> index in graph.symbols
        self.poisoned: set = set()   # fx nodes reported unsupported, and those computed from them
        self.node: torch.fx.Node | None = None
        self.dynamic = captured.dynamic
        self.captured = captured
        self.state_keys = captured.state_keys
        # Program state (schema 2.4): buffers the model mutates. mutates: the fx node whose value
        # becomes a buffer's new value -> the buffer's name; last_read: a node -> the position of
        # the last node reading it (an in-place update must come after every read of the old value).
        sig = self.ep.graph_signature
        self.mutates = dict(sig.buffers_to_mutate)
        self.last_read: dict = {}
        self.position = 0
        for k, n in enumerate(self.ep.graph.nodes):
            for a in n.all_input_nodes:
                self.last_read[a.name] = k

    # ---- shapes -------------------------------------------------------------
    def dim(self, size) -> Dim:
        if isinstance(size, int):
            return Dim.static(size)
        try:
            return dim_of(size.node.expr, self.symbols)
        except SizeError as e:
            raise Unsupported(str(e)) from None

    def dims(self, shape) -> tuple:
        return tuple(self.dim(s) for s in shape)

    def meta(self, node=None, index=None):
        val = (node or self.node).meta.get("val")
        if index is not None:
            val = val[index]
        return val

    # ---- tensors ------------------------------------------------------------
    def t(self, arg, dtype=None) -> str:
        """IR tensor name for an fx argument; python scalars become constants."""
        if isinstance(arg, torch.fx.Node):
            if arg.name in self.constants:
                if arg.name not in self.const_ir:
                    value = self.constants[arg.name]
                    if not isinstance(value, torch.Tensor):
                        value = torch.tensor(value)
                    self.const_ir[arg.name] = self.graph.add_constant(arg.name, to_numpy(value))
                name = self.const_ir[arg.name]
            elif isinstance(arg.meta.get("val"), torch.SymInt) and not isinstance(self.env.get(arg.name), str):
                name = self._size_value(arg.meta["val"], dtype)
            else:
                name = self.env[arg.name]
                if not isinstance(name, str):
                    raise Unsupported(f"argument {arg.name} is not a tensor")
            if dtype is not None and self.graph.tensors[name].dtype != np.dtype(dtype):
                name = self.cast(name, dtype)
            return name
        if isinstance(arg, (bool, int, float)):
            return self.graph.add_constant("scalar", np.array(arg, dtype=dtype or np.float32))
        raise Unsupported(f"argument of type {type(arg).__name__} is not supported")

    def _size_value(self, size, dtype=None) -> str:
        """A size (an int, or a symbolic size of the dynamic inputs) as a scalar tensor: a
        constant, or at run time the sum of that many ones (FULL of the size, REDUCE_SUM)."""
        dim = self.dim(size)
        dtype = np.dtype(dtype or np.int64)
        if dim.is_static:
            return self.graph.add_constant("size", np.array(dim.add, dtype))
        ones = self.emit("FULL", [], [self.new(dtype, (dim,), "size_ones")], value=1.0)
        return self.emit("REDUCE_SUM", [ones], [self.new(dtype, (), "size")], axes=[0], keep_dims=False)

    def const_value(self, arg):
        """The numpy value of a constant argument, or None."""
        if isinstance(arg, torch.fx.Node) and arg.name in self.constants:
            v = self.constants[arg.name]
            return to_numpy(v) if isinstance(v, torch.Tensor) else np.array(v)
        return None

    def dtype_of(self, name: str) -> np.dtype:
        return self.graph.tensors[name].dtype

    def dims_of(self, name: str) -> tuple:
        return self.graph.tensors[name].dims

    def new(self, dtype, dims, hint=None) -> str:
        return self.graph.add_tensor(hint or self.node.name, dtype, dims)

    def out(self, index=None, dtype=None) -> str:
        val = self.meta(index=index)
        return self.new(dtype or numpy_dtype(val.dtype), self.dims(val.shape))

    def emit(self, op, inputs, outputs=None, **options) -> str:
        outputs = outputs or [self.out()]
        self.graph.nodes.append(_node(op, inputs, outputs, options, self.src))
        return outputs[0]

    def cast(self, name, dtype) -> str:
        out = self.new(dtype, self.dims_of(name), hint=name + "_cast")
        self.graph.nodes.append(_node("CAST", [name], [out], {}, self.src))
        return out

    def reshape(self, name, dims) -> str:
        out = self.new(self.dtype_of(name), dims, hint=name + "_view")
        self.graph.nodes.append(_node("RESHAPE", [name], [out], {}, self.src))
        return out

    # ---- driver -------------------------------------------------------------
    def run(self) -> Graph:
        sig = self.ep.graph_signature
        params = {**sig.inputs_to_parameters, **sig.inputs_to_buffers}
        lifted = sig.inputs_to_lifted_tensor_constants
        state = self.ep.state_dict
        user_inputs = [n for n in self.ep.graph.nodes if n.op == "placeholder"
                       and n.name not in params and n.name not in lifted]
        self._bind_symbols(user_inputs)
        unsupported = []
        mutated = {self._key(k) for k in self.mutates.values()} | set(self.state_keys)
        for k, node in enumerate(self.ep.graph.nodes):
            self.node, self.position = node, k
            self.src = source_line(node)
            if node.op == "placeholder":
                if node.name in sig.inputs_to_buffers and self._key(params[node.name]) in mutated:
                    self._state_placeholder(node, params[node.name], state)
                elif node.name in params:
                    key = params[node.name]
                    # non-persistent buffers are not in the state dict
                    self.constants[node.name] = state[key] if key in state else self.ep.constants[key]
                elif node.name in lifted:
                    self.constants[node.name] = self.ep.constants[lifted[node.name]]
                else:
                    val = node.meta["val"]
                    try:
                        dtype = numpy_dtype(val.dtype)
                    except Unsupported as e:
                        raise ExportError(f"input '{node.name}': {e}") from None
                    name = self.graph.add_tensor(node.name, dtype, self.dims(val.shape), exact=True)
                    self.graph.tensors[name].eager = node.name
                    self.env[node.name] = name
                    self.graph.inputs.append(name)
            elif node.op == "call_function":
                if any(arg.name in self.poisoned for arg in node.all_input_nodes):
                    self._poison(node)   # downstream of a reported problem: nothing new to say
                    continue
                first = len(self.graph.nodes)
                try:
                    self._lower_node(node)
                    self._record_origin(node, first)
                except Unsupported as e:
                    unsupported.append((node, str(e)))
                    self._poison(node)
                except ExportError:
                    raise
                except Exception as e:   # a bug in a lowering: reported like an unsupported op, and on
                    unsupported.append((node, f"internal error while lowering: {type(e).__name__}: {e}"))
                    self._poison(node)
            elif node.op == "output":
                outs = node.args[0]
                outs = outs if isinstance(outs, (list, tuple)) else [outs]
                for o, spec in zip(outs, sig.output_specs):
                    if not isinstance(o, torch.fx.Node):
                        raise ExportError("model outputs must be tensors")
                    if spec.kind == torch.export.graph_signature.OutputKind.BUFFER_MUTATION:
                        if o.name not in self.poisoned:
                            self._store_state(o, self._key(spec.target))
                    else:
                        self.graph.outputs.append(self.t(o))
        self._name_outputs()
        problems = [] if unsupported else self.graph.program_problems()
        if problems:
            raise ExportError("dynamic sizes: " + "; ".join(problems[:4]))
        if unsupported:
            lines = []
            for node, why in unsupported:
                where = f" at {source_line(node)}" if source_line(node) else ""
                lines.append(f"  {node.target}{where}: {why}")
            raise UnsupportedOpsError(f"{len(unsupported)} operator(s) cannot be exported:\n" + "\n".join(lines))
        return self.graph

    # ---- program state --------------------------------------------------------
    def _state_placeholder(self, node, fqn, state):
        """A buffer the program mutates: a STATE tensor, its initial value the buffer's, its key
        the buffer's name in the shared module (_key)."""
        value = state[fqn] if fqn in state else self.ep.constants[fqn]
        key = self._key(fqn)
        try:
            dtype = numpy_dtype(value.dtype)
        except Unsupported as e:
            raise ExportError(f"buffer '{key}': {e}") from None
        shape = tuple(value.shape) or (1,)          # a scalar buffer is kept as one element
        name = self.graph.add_tensor(node.name, dtype, tuple(Dim.static(int(n)) for n in shape), exact=True)
        self.graph.tensors[name].state = key
        self.graph.state[key] = np.array(to_numpy(value), copy=True).reshape(shape)
        if value.dim() == 0:                        # read as a scalar: a copy of the element
            zero = self.graph.add_constant(key + "_element", np.array(0, np.int64))
            name = self.emit("GATHER", [name, zero], [self.new(dtype, ())], axis=0)
        self.env[node.name] = name

    def _key(self, fqn):
        return state_key(self.captured, fqn)

    def state_in_place(self, x) -> str | None:
        """The state tensor the current node may update in place: when `x` is a mutated buffer's
        current value, the node's result becomes that buffer's new value, and no later node reads
        the old one. Else None (the update is computed as a new tensor and stored at the end)."""
        if not isinstance(x, torch.fx.Node) or self.node.name not in self.mutates:
            return None
        name = self.env.get(x.name)
        t = self.graph.tensors.get(name) if isinstance(name, str) else None
        if (t is None or t.state != self._key(self.mutates[self.node.name])
                or self.last_read.get(x.name, 0) > self.position):
            return None
        return name

    def _store_state(self, value_node, key):
        """The method's last step for a mutated buffer: its new value copied into the state
        (nothing when the update was made in place)."""
        value = self.t(value_node)
        target = next((n for n, t in self.graph.tensors.items() if t.state == key), None)
        if value == target:
            return
        t = self.graph.tensors[target]
        n = int(t.dims[0].add)
        if self.dtype_of(value) != t.dtype:
            value = self.cast(value, t.dtype)
        if not self.dims_of(value) and tuple(t.dims) == (Dim.static(1),):    # a scalar buffer
            value = self.reshape(value, t.dims)
        if tuple(self.dims_of(value)) != tuple(t.dims):
            full = self.new(t.dtype, t.dims, key)
            self.graph.nodes.append(_node("EXPAND", [value], [full], {}, self.src))
            value = full
        index = self.graph.add_constant(key + "_all", np.arange(n, dtype=np.int64))
        self.graph.nodes.append(_node("INDEX_COPY", [target, index, value], [target], {"axis": 0}, self.src))

    def _record_origin(self, node, first):
        """Debug facts for per-layer validation: the operators emitted for `node` (from index
        `first`) came from it, in its module; a tensor it produced holds its eager value
        (the first node to produce a tensor names it: a view or identity keeps the original)."""
        stack = node.meta.get("nn_module_stack") or {}
        module = str(list(stack.values())[-1][0]) if stack else ""
        for n in self.graph.nodes[first:]:
            n.origin, n.module = node.name, module
        result = self.env.get(node.name)
        for i, name in enumerate(result if isinstance(result, tuple) else (result,)):
            if isinstance(name, str) and name in self.graph.tensors:
                t = self.graph.tensors[name]
                if t.eager is None and not t.is_constant:
                    t.eager = node.name if not isinstance(result, tuple) else f"{node.name}[{i}]"

    def _name_outputs(self):
        """Outputs are called `output` (or `output_0`, `output_1`, ...) when those names are free."""
        outs = self.graph.outputs
        for i, name in enumerate(list(outs)):
            want = "output" if len(outs) == 1 else f"output_{i}"
            t = self.graph.tensors[name]
            if (want not in self.graph.tensors and outs.count(name) == 1 and not t.is_constant
                    and name not in self.graph.inputs):
                self.graph.rename(name, want)

    def _bind_symbols(self, user_inputs):
        """One IR symbol per dynamic size the inputs use: a dimension that is the size itself,
        or k times it (DynamicDim(multiple=k): torch.export's derived dimension)."""
        for i, node in enumerate(user_inputs):
            for d, size in enumerate(node.meta["val"].shape):
                if isinstance(size, int):
                    continue
                expr = size.node.expr
                coeff, sym = expr.as_coeff_Mul()
                if not sym.is_Symbol or not coeff.is_Integer or coeff < 1 or sym in self.symbols:
                    continue
                rng = self.ep.range_constraints.get(sym)
                hi = rng.upper if rng is not None else None
                if hi is None or not getattr(hi, "is_finite", True) or hi == sympy.oo:
                    raise ExportError(f"input {i} dimension {d} is dynamic without a maximum")
                asked = next((dd for dd in self.dynamic if dd.dim == d and (dd.inputs is None or i in dd.inputs)),
                             None)
                label = asked.symbol if asked is not None else f"dim{d}"
                lo = asked.quotient_range()[0] if asked is not None else 1
                self.symbols[sym] = len(self.graph.symbols)
                self.graph.symbols.append(Symbol(label, int(lo), int(hi)))

    def _poison(self, node):
        """Keep going after an unsupported op so every problem is reported at once."""
        self.poisoned.add(node.name)
        val = node.meta.get("val")
        if isinstance(val, torch.Tensor):
            self.env[node.name] = self._stand_in(val)
        elif isinstance(val, (list, tuple)):
            self.env[node.name] = tuple(self._stand_in(v) for v in val)

    def _stand_in(self, val):
        """A tensor of `val`'s rank for a node that could not be lowered (its readers are not
        lowered either, but a rank-0 stand-in made them report wrong axes)."""
        try:
            return self.new(numpy_dtype(val.dtype), self.dims(val.shape))
        except (Unsupported, AttributeError):
            return self.new(np.float32, [])

    def _lower_node(self, node):
        target = node.target
        if target is operator.getitem:
            src, idx = node.args
            if src.name in self.constants:
                self.constants[node.name] = self.constants[src.name][idx]
            else:
                self.env[node.name] = self.env[src.name][idx]
            return
        if not isinstance(target, torch._ops.OpOverload):
            # Python arithmetic on sizes (operator.mul, sym_size...): shapes come from metadata.
            self.env[node.name] = None
            return
        if target in SKIP:
            self.env[node.name] = None
            return
        folded = try_fold(node, self.constants)
        if folded is not None:
            self.constants[node.name] = folded
            return
        fn = LOWERINGS.get(target)
        if fn is None:
            raise Unsupported(EXCLUDED.get(str(target), "no Ember lowering for this operator"))
        result = fn(self, *node.args, **node.kwargs)
        self.env[node.name] = result


def _node(op, inputs, outputs, options, source):
    from exporter.ir import Node
    return Node(op, list(inputs), list(outputs), dict(options), source)


def _axis(axis, rank):
    axis = int(axis)
    if not -rank <= axis < max(rank, 1):
        raise Unsupported(f"axis {axis} out of range for rank {rank}")
    return axis % max(rank, 1)



def _pair(v):
    if isinstance(v, int):
        return (v, v)
    v = list(v)
    return (int(v[0]), int(v[0])) if len(v) == 1 else (int(v[0]), int(v[1]))
