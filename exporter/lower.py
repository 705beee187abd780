"""Lowering: a core-ATen ExportedProgram to the Ember IR.

Each supported ATen overload has one small function in LOWERINGS. Nodes whose
inputs are all constants are folded with torch (passes/fold_constants.py).
Every unsupported operator is collected, then reported in one ExportError
that names the op and the user's source line.
"""
from __future__ import annotations

import math
import operator
import re

import numpy as np
import sympy
import torch
import torch.fx

from exporter.capture import Captured
from exporter.errors import ExportError, UnsupportedOpsError
from exporter.ir import Dim, Graph, Symbol
from exporter.passes.fold_constants import try_fold

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
        self.node: torch.fx.Node | None = None
        self.dynamic = captured.dynamic

    # ---- shapes -------------------------------------------------------------
    def dim(self, size) -> Dim:
        if isinstance(size, int):
            return Dim.static(size)
        expr = sympy.expand(size.node.expr)
        if expr.is_Integer:
            return Dim.static(int(expr))
        const, rest = expr.as_coeff_Add()
        coeff, factors = rest.as_coeff_mul()
        syms = []
        for f in factors:
            if f.is_Symbol:
                syms.append(f)
            elif f.is_Pow and f.base.is_Symbol and f.exp.is_Integer and f.exp > 0:
                syms += [f.base] * int(f.exp)
            else:
                raise Unsupported(f"dimension {expr} is not of the form c*a*b+d")
        if len(syms) > 2 or not coeff.is_Integer or not const.is_Integer:
            raise Unsupported(f"dimension {expr} is not of the form c*a*b+d")
        idx = []
        for s in syms:
            if s not in self.symbols:
                raise Unsupported(f"dimension {expr} depends on a size that is not an input dimension")
            idx.append(self.symbols[s])
        idx += [-1] * (2 - len(idx))
        return Dim(int(coeff), int(const), idx[0], idx[1])

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
        for node in self.ep.graph.nodes:
            self.node = node
            self.src = source_line(node)
            if node.op == "placeholder":
                if node.name in params:
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
                    self.env[node.name] = name
                    self.graph.inputs.append(name)
            elif node.op == "call_function":
                try:
                    self._lower_node(node)
                except Unsupported as e:
                    unsupported.append((node, str(e)))
                    self._poison(node)
            elif node.op == "output":
                outs = node.args[0]
                for o in (outs if isinstance(outs, (list, tuple)) else [outs]):
                    if not isinstance(o, torch.fx.Node):
                        raise ExportError("model outputs must be tensors")
                    self.graph.outputs.append(self.t(o))
        self._name_outputs()
        if unsupported:
            lines = []
            for node, why in unsupported:
                where = f" at {source_line(node)}" if source_line(node) else ""
                lines.append(f"  {node.target}{where}: {why}")
            raise UnsupportedOpsError(f"{len(unsupported)} operator(s) cannot be exported:\n" + "\n".join(lines))
        return self.graph

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
        names = {}
        for i, node in enumerate(user_inputs):
            for d, size in enumerate(node.meta["val"].shape):
                if isinstance(size, int):
                    continue
                expr = size.node.expr
                if not expr.is_Symbol or expr in self.symbols:
                    continue
                rng = self.ep.range_constraints.get(expr)
                hi = rng.upper if rng is not None else None
                if hi is None or not getattr(hi, "is_finite", True) or hi == sympy.oo:
                    raise ExportError(f"input {i} dimension {d} is dynamic without a maximum")
                label = next((dd.name for dd in self.dynamic if dd.dim == d), f"dim{d}")
                lo = next((dd.min for dd in self.dynamic if dd.dim == d), 1)
                names[expr] = label
                self.symbols[expr] = len(self.graph.symbols)
                self.graph.symbols.append(Symbol(label, int(lo), int(hi)))

    def _poison(self, node):
        """Keep going after an unsupported op so every problem is reported at once."""
        val = node.meta.get("val")
        if isinstance(val, torch.Tensor):
            self.env[node.name] = self.new(np.float32, [])
        elif isinstance(val, (list, tuple)):
            self.env[node.name] = tuple(self.new(np.float32, []) for _ in val)

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
            raise Unsupported("no Ember lowering for this operator")
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


# ============================================================================
# Lowering functions: (ctx, *aten args, **aten kwargs) -> IR tensor name(s)
# ============================================================================
LOWERINGS: dict = {}
SKIP = {aten._assert_tensor_metadata.default, aten.sym_size.int,
        aten._assert_scalar.default, aten.sym_constrain_range_for_size.default}


def lowers(*overloads):
    def register(fn):
        for o in overloads:
            LOWERINGS[o] = fn
        return fn
    return register


def _identity(ctx, x, *args, **kwargs):
    return ctx.t(x)


LOWERINGS[aten.clone.default] = _identity
LOWERINGS[aten.alias.default] = _identity
LOWERINGS[aten.detach.default] = _identity
LOWERINGS[aten.lift_fresh_copy.default] = _identity
LOWERINGS[aten.contiguous.default] = _identity


@lowers(aten._to_copy.default)
def _to_copy(ctx, x, dtype=None, **kwargs):
    src = ctx.t(x)
    want = numpy_dtype(ctx.meta().dtype)
    return src if ctx.dtype_of(src) == want else ctx.cast(src, want)


@lowers(aten.view.default, aten._unsafe_view.default, aten.reshape.default,
        aten.squeeze.dims, aten.squeeze.dim, aten.squeeze.default, aten.unsqueeze.default,
        aten.view_copy.default, aten.flatten.using_ints)
def _reshape(ctx, x, *args):
    src = ctx.t(x)
    dims = ctx.dims(ctx.meta().shape)
    if dims == ctx.dims_of(src):
        return src
    return ctx.reshape(src, dims)


@lowers(aten.permute.default)
def _permute(ctx, x, perm):
    src = ctx.t(x)
    perm = [_axis(p, len(perm)) for p in perm]
    if perm == sorted(perm):
        return src
    return ctx.emit("PERMUTE", [src], perm=perm)


@lowers(aten.t.default)
def _t(ctx, x):
    src = ctx.t(x)
    if len(ctx.dims_of(src)) < 2:
        return src
    return ctx.emit("PERMUTE", [src], perm=[1, 0])


@lowers(aten.transpose.int)
def _transpose(ctx, x, a, b):
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    perm = list(range(rank))
    a, b = _axis(a, rank), _axis(b, rank)
    perm[a], perm[b] = perm[b], perm[a]
    return src if a == b else ctx.emit("PERMUTE", [src], perm=perm)


@lowers(aten.expand.default)
def _expand(ctx, x, sizes, implicit=False):
    src = ctx.t(x)
    dims = ctx.dims(ctx.meta().shape)
    if dims == ctx.dims_of(src):
        return src
    return ctx.emit("EXPAND", [src])


# ---- elementwise ------------------------------------------------------------
def _promote(ctx, a, b):
    """torch's result type of a binary op between tensors/scalars, as numpy."""
    def kind(v):
        if isinstance(v, torch.fx.Node):
            val = v.meta.get("val") if v.name not in ctx.constants else ctx.constants[v.name]
            return val.dtype if isinstance(val, torch.Tensor) else torch.tensor(val).dtype
        return None
    ta, tb = kind(a), kind(b)
    if ta is None:
        ta = torch.float32 if isinstance(a, float) else tb
    if tb is None:
        tb = torch.float32 if isinstance(b, float) else ta
    if ta == tb:
        return numpy_dtype(ta)
    fa, fb = ta.is_floating_point, tb.is_floating_point
    if fa and not fb:
        return numpy_dtype(ta)
    if fb and not fa:
        return numpy_dtype(tb)
    return numpy_dtype(torch.promote_types(ta, tb))


def _binary(op):
    def lower(ctx, a, b, alpha=1, **kwargs):
        if kwargs.get("rounding_mode") is not None:
            raise Unsupported(f"rounding_mode={kwargs['rounding_mode']!r} is not supported")
        out_dtype = numpy_dtype(ctx.meta().dtype)
        compute = out_dtype if op not in _COMPARE else _promote(ctx, a, b)
        if op in _LOGICAL:
            compute = np.dtype(np.bool_)
        x, y = ctx.t(a, compute), ctx.t(b, compute)
        if alpha != 1:
            y = ctx.emit("MUL", [y, ctx.t(alpha, compute)], [ctx.new(compute, ctx.dims_of(y))])
        return ctx.emit(op, [x, y])
    return lower


_COMPARE = {"EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL",
            "LOGICAL_AND", "LOGICAL_OR"}
_LOGICAL = {"LOGICAL_AND", "LOGICAL_OR"}

for _op, _names in {
    "ADD": ["add.Tensor", "add.Scalar"], "SUB": ["sub.Tensor", "sub.Scalar", "rsub.Scalar"],
    "MUL": ["mul.Tensor", "mul.Scalar"], "DIV": ["div.Tensor", "div.Scalar", "div.Tensor_mode"],
    "POW": ["pow.Tensor_Scalar", "pow.Tensor_Tensor"],
    "MAXIMUM": ["maximum.default"], "MINIMUM": ["minimum.default"],
    "EQUAL": ["eq.Tensor", "eq.Scalar"], "NOT_EQUAL": ["ne.Tensor", "ne.Scalar"],
    "LESS": ["lt.Tensor", "lt.Scalar"], "LESS_EQUAL": ["le.Tensor", "le.Scalar"],
    "GREATER": ["gt.Tensor", "gt.Scalar"], "GREATER_EQUAL": ["ge.Tensor", "ge.Scalar"],
    "LOGICAL_AND": ["logical_and.default", "bitwise_and.Tensor"],
    "LOGICAL_OR": ["logical_or.default", "bitwise_or.Tensor"],
}.items():
    for _n in _names:
        _packet, _overload = _n.split(".")
        LOWERINGS[getattr(getattr(aten, _packet), _overload)] = _binary(_op)


@lowers(aten.rsub.Scalar)
def _rsub(ctx, a, b, alpha=1):
    dtype = numpy_dtype(ctx.meta().dtype)
    x = ctx.t(a, dtype)
    if alpha != 1:
        x = ctx.emit("MUL", [x, ctx.t(alpha, dtype)], [ctx.new(dtype, ctx.dims_of(x))])
    return ctx.emit("SUB", [ctx.t(b, dtype), x])


@lowers(aten.bitwise_and.Tensor, aten.bitwise_or.Tensor)
def _bitwise(ctx, a, b):
    if ctx.meta().dtype != torch.bool:
        raise Unsupported("bitwise ops are supported on bool tensors only")
    return _binary("LOGICAL_AND" if "and" in str(ctx.node.target) else "LOGICAL_OR")(ctx, a, b)


@lowers(aten.logical_not.default, aten.bitwise_not.default)
def _not(ctx, x):
    return ctx.emit("LOGICAL_NOT", [ctx.t(x, np.bool_)])


@lowers(aten.where.self)
def _where(ctx, c, a, b):
    dtype = numpy_dtype(ctx.meta().dtype)
    return ctx.emit("WHERE", [ctx.t(c, np.bool_), ctx.t(a, dtype), ctx.t(b, dtype)])


def _unary(op, **options):
    def lower(ctx, x, *args):
        dtype = numpy_dtype(ctx.meta().dtype)
        return ctx.emit(op, [ctx.t(x, dtype)], **options)
    return lower


for _op, _ov in {"RELU": aten.relu.default, "SIGMOID": aten.sigmoid.default,
                 "TANH": aten.tanh.default, "EXP": aten.exp.default, "LOG": aten.log.default,
                 "SQRT": aten.sqrt.default, "RSQRT": aten.rsqrt.default, "NEG": aten.neg.default,
                 "ABS": aten.abs.default, "ERF": aten.erf.default,
                 "HARDSWISH": aten.hardswish.default}.items():
    LOWERINGS[_ov] = _unary(_op)


@lowers(aten.silu.default)
def _silu(ctx, x):
    src = ctx.t(x)
    sig = ctx.emit("SIGMOID", [src], [ctx.new(ctx.dtype_of(src), ctx.dims_of(src))])
    return ctx.emit("MUL", [src, sig])


@lowers(aten.hardsigmoid.default)
def _hardsigmoid(ctx, x):
    src = ctx.t(x)
    dims, dt = ctx.dims_of(src), ctx.dtype_of(src)
    shifted = ctx.emit("ADD", [src, ctx.t(3.0)], [ctx.new(dt, dims)])
    clipped = ctx.emit("CLAMP", [shifted], [ctx.new(dt, dims)], min=0.0, max=6.0)
    return ctx.emit("DIV", [clipped, ctx.t(6.0)])


@lowers(aten.gelu.default)
def _gelu(ctx, x, approximate="none"):
    return ctx.emit("GELU", [ctx.t(x)], tanh_approximation=(approximate == "tanh"))


@lowers(aten.hardtanh.default, aten.clamp.default)
def _clamp(ctx, x, lo=None, hi=None):
    if ctx.meta().dtype != torch.float32:
        raise Unsupported("clamp is supported on float32 only")
    lo = -math.inf if lo is None else float(lo)
    hi = math.inf if hi is None else float(hi)
    if lo == 0.0 and hi == math.inf:
        return ctx.emit("RELU", [ctx.t(x)])
    return ctx.emit("CLAMP", [ctx.t(x)], min=lo, max=hi)


@lowers(aten._softmax.default, aten._log_softmax.default)
def _softmax(ctx, x, dim, half_to_float=False):
    src = ctx.t(x)
    op = "SOFTMAX" if "log" not in str(ctx.node.target) else "LOG_SOFTMAX"
    return ctx.emit(op, [src], axis=_axis(dim, len(ctx.dims_of(src))))


@lowers(aten.native_layer_norm.default)
def _layer_norm(ctx, x, normalized_shape, weight, bias, eps):
    for user in ctx.node.users:
        if user.target is operator.getitem and user.args[1] != 0:
            raise Unsupported("layer norm mean/rstd outputs are not supported")
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    inputs = [src, ctx.t(weight) if weight is not None else None,
              ctx.t(bias) if bias is not None else None]
    out = ctx.emit("LAYER_NORM", inputs, [ctx.out(index=0)],
                   axis=rank - len(normalized_shape), epsilon=float(eps))
    return (out, None, None)


@lowers(aten._native_batch_norm_legit_no_training.default)
def _batch_norm(ctx, x, weight, bias, mean, var, momentum, eps):
    """Inference batch norm as a per-channel affine; fold_batchnorm merges it into a conv."""
    mean, var = ctx.const_value(mean), ctx.const_value(var)
    w = ctx.const_value(weight) if weight is not None else None
    b = ctx.const_value(bias) if bias is not None else None
    if mean is None or var is None or (weight is not None and w is None) or (bias is not None and b is None):
        raise Unsupported("batch norm needs constant statistics and affine parameters")
    scale = (1.0 if w is None else w.astype(np.float64)) / np.sqrt(var.astype(np.float64) + eps)
    shift = (0.0 if b is None else b.astype(np.float64)) - mean.astype(np.float64) * scale
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    shape = [-1] + [1] * (rank - 2)
    s = ctx.graph.add_constant("bn_scale", scale.astype(np.float32).reshape(shape))
    h = ctx.graph.add_constant("bn_shift", shift.astype(np.float32).reshape(shape))
    dims = ctx.dims_of(src)
    scaled = ctx.emit("MUL", [src, s], [ctx.new(np.float32, dims)])
    out = ctx.emit("ADD", [scaled, h], [ctx.out(index=0)])
    return (out, None, None)


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
        raise Unsupported("transposed convolution is not supported")
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
    if w.ndim != 4:
        raise Unsupported(f"{w.ndim - 2}-D convolution is not supported")
    wt = ctx.graph.add_constant("conv_weight", w)
    return ctx.emit("CONV2D", [src, wt, b], stride_h=stride[0], stride_w=stride[1],
                    pad_top=padding[0], pad_bottom=padding[0], pad_left=padding[1],
                    pad_right=padding[1], dilation_h=dilation[0], dilation_w=dilation[1],
                    groups=groups, activation=0)


# ---- pooling and reductions -------------------------------------------------
def _pool_pads(in_size, out_size, k, s, p, d):
    """Bottom/right padding that makes floor division give torch's (ceil-mode) size."""
    need = (out_size - 1) * s + (k - 1) * d + 1 - (in_size + 2 * p)
    return p + max(need, 0)


@lowers(aten.max_pool2d_with_indices.default, aten.max_pool2d.default)
def _max_pool(ctx, x, kernel, stride=(), padding=0, dilation=1, ceil_mode=False):
    for user in ctx.node.users:
        if user.target is operator.getitem and user.args[1] != 0:
            raise Unsupported("max pool indices are not supported")
    src = ctx.t(x)
    kh, kw = _pair(kernel)
    sh, sw = _pair(stride) if stride else (kh, kw)
    ph, pw = _pair(padding)
    dh, dw = _pair(dilation)
    val = ctx.meta(index=0) if isinstance(ctx.meta(), (tuple, list)) else ctx.meta()
    in_h, in_w = ctx.dims_of(src)[2].add, ctx.dims_of(src)[3].add
    oh, ow = int(val.shape[2]), int(val.shape[3])
    out = ctx.new(np.float32, ctx.dims(val.shape))
    ctx.emit("MAX_POOL2D", [src], [out], kernel_h=kh, kernel_w=kw, stride_h=sh, stride_w=sw,
             pad_top=ph, pad_left=pw, pad_bottom=_pool_pads(in_h, oh, kh, sh, ph, dh),
             pad_right=_pool_pads(in_w, ow, kw, sw, pw, dw), dilation_h=dh, dilation_w=dw,
             count_include_pad=False, divisor=0)
    return (out, None) if isinstance(ctx.meta(), (tuple, list)) else out


@lowers(aten.avg_pool2d.default)
def _avg_pool(ctx, x, kernel, stride=(), padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    src = ctx.t(x)
    kh, kw = _pair(kernel)
    sh, sw = _pair(stride) if stride else (kh, kw)
    ph, pw = _pair(padding)
    in_h, in_w = ctx.dims_of(src)[2].add, ctx.dims_of(src)[3].add
    oh, ow = int(ctx.meta().shape[2]), int(ctx.meta().shape[3])
    if oh != (in_h + 2 * ph - kh) // sh + 1 or ow != (in_w + 2 * pw - kw) // sw + 1:
        raise Unsupported("avg_pool2d with ceil_mode changing the output size")
    return ctx.emit("AVG_POOL2D", [src], kernel_h=kh, kernel_w=kw, stride_h=sh, stride_w=sw,
                    pad_top=ph, pad_left=pw, pad_bottom=ph, pad_right=pw,
                    count_include_pad=bool(count_include_pad), divisor=int(divisor_override or 0))


@lowers(aten._adaptive_avg_pool2d.default, aten.adaptive_avg_pool2d.default)
def _adaptive_avg_pool(ctx, x, output_size):
    src = ctx.t(x)
    h, w = ctx.dims_of(src)[2].add, ctx.dims_of(src)[3].add
    oh, ow = _pair(output_size)
    if (oh, ow) == (1, 1):
        return ctx.emit("REDUCE_MEAN", [src], axes=[2, 3], keep_dims=True)
    if h % oh or w % ow:
        raise Unsupported(f"adaptive average pool from {h}x{w} to {oh}x{ow} (not a divisor)")
    return ctx.emit("AVG_POOL2D", [src], kernel_h=h // oh, kernel_w=w // ow, stride_h=h // oh,
                    stride_w=w // ow, count_include_pad=True, divisor=0)


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


@lowers(aten.cumsum.default)
def _cumsum(ctx, x, dim, dtype=None):
    want = numpy_dtype(ctx.meta().dtype)
    src = ctx.t(x, want)
    return ctx.emit("CUMSUM", [src], axis=_axis(dim, len(ctx.dims_of(src))))


# ---- data movement ----------------------------------------------------------
@lowers(aten.cat.default)
def _cat(ctx, tensors, dim=0):
    dtype = numpy_dtype(ctx.meta().dtype)
    names = [ctx.t(t, dtype) for t in tensors]
    names = [n for n in names if not (len(ctx.dims_of(n)) == 1 and ctx.dims_of(n)[0] == Dim.static(0))]
    rank = len(ctx.meta().shape)
    if len(names) == 1:
        return names[0]
    return ctx.emit("CONCAT", names, axis=_axis(dim, rank))


def _static_index(value, size_dim, what):
    if isinstance(value, torch.fx.Node) or not isinstance(value, int):
        raise Unsupported(f"{what} must be a constant integer")
    if value < 0:
        if not size_dim.is_static:
            raise Unsupported(f"negative {what} on a dynamic dimension")
        value += size_dim.add
    return max(value, 0)


@lowers(aten.slice.Tensor)
def _slice(ctx, x, dim=0, start=None, end=None, step=1):
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    axis = _axis(dim, len(dims))
    out_dims = ctx.dims(ctx.meta().shape)
    if out_dims == dims:
        return src
    start = 0 if start is None else _static_index(start, dims[axis], "slice start")
    if dims[axis].is_static:
        start = min(start, dims[axis].add)
    return ctx.emit("SLICE", [src], [ctx.new(ctx.dtype_of(src), out_dims)], axis=axis,
                    start=start, step=int(step))


@lowers(aten.select.int)
def _select(ctx, x, dim, index):
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    axis = _axis(dim, len(dims))
    start = _static_index(index, dims[axis], "select index")
    kept = dims[:axis] + (Dim.static(1),) + dims[axis + 1:]
    piece = ctx.emit("SLICE", [src], [ctx.new(ctx.dtype_of(src), kept)], axis=axis, start=start, step=1)
    return ctx.reshape(piece, ctx.dims(ctx.meta().shape))


@lowers(aten.split_with_sizes.default, aten.split.Tensor)
def _split(ctx, x, sizes, dim=0):
    src = ctx.t(x)
    dims = ctx.dims_of(src)
    axis = _axis(dim, len(dims))
    outs, start = [], 0
    for val in ctx.meta():
        out_dims = ctx.dims(val.shape)
        outs.append(ctx.emit("SLICE", [src], [ctx.new(ctx.dtype_of(src), out_dims)],
                             axis=axis, start=start, step=1))
        if not out_dims[axis].is_static:
            raise Unsupported("split along a dynamic dimension")
        start += out_dims[axis].add
    return tuple(outs)


@lowers(aten.constant_pad_nd.default)
def _pad(ctx, x, pad, value=0):
    src = ctx.t(x)
    rank = len(ctx.dims_of(src))
    if any(p < 0 for p in pad):
        raise Unsupported("negative padding (cropping) is not supported")
    pads = [0] * (2 * rank)
    for i in range(len(pad) // 2):
        d = rank - 1 - i
        pads[2 * d], pads[2 * d + 1] = int(pad[2 * i]), int(pad[2 * i + 1])
    return ctx.emit("PAD", [src], pads=pads, value=float(value))


@lowers(aten.embedding.default)
def _embedding(ctx, weight, indices, *args):
    return ctx.emit("GATHER", [ctx.t(weight), ctx.t(indices)], axis=0)


@lowers(aten.index_select.default)
def _index_select(ctx, x, dim, index):
    src = ctx.t(x)
    return ctx.emit("GATHER", [src, ctx.t(index)], axis=_axis(dim, len(ctx.dims_of(src))))


@lowers(aten.index.Tensor)
def _index(ctx, x, indices):
    present = [(i, t) for i, t in enumerate(indices) if t is not None]
    if len(present) != 1:
        raise Unsupported("indexing with more than one index tensor")
    axis, idx = present[0]
    if ctx.meta().dtype == torch.bool or idx.meta["val"].dtype == torch.bool:
        raise Unsupported("boolean mask indexing")
    return ctx.emit("GATHER", [ctx.t(x), ctx.t(idx)], axis=axis)


@lowers(aten.arange.start_step, aten.arange.default, aten.arange.start)
def _arange(ctx, *args, **kwargs):
    start, step = (0, 1)
    if ctx.node.target is aten.arange.start_step:
        start = args[0]
        step = args[2] if len(args) > 2 else kwargs.get("step", 1)
    elif ctx.node.target is aten.arange.start:
        start = args[0]
    if isinstance(start, torch.fx.Node) or isinstance(step, torch.fx.Node):
        raise Unsupported("arange start and step must be constants")
    return ctx.emit("ARANGE", [], start=float(start), step=float(step))


@lowers(aten.full.default, aten.full_like.default, aten.scalar_tensor.default)
def _full(ctx, *args, **kwargs):
    value = args[1] if ctx.node.target is not aten.scalar_tensor.default else args[0]
    if isinstance(value, torch.fx.Node):
        raise Unsupported("fill value must be a constant")
    return ctx.emit("FULL", [], value=float(value))


def _resize_scale(in_size, out_size, scale):
    return float(1.0 / scale) if scale else float(in_size) / float(out_size)


@lowers(aten.upsample_nearest2d.vec, aten.upsample_bilinear2d.vec)
def _resize(ctx, x, output_size, *rest):
    bilinear = ctx.node.target is aten.upsample_bilinear2d.vec
    align = bool(rest[0]) if bilinear else False
    scales = rest[1] if bilinear else (rest[0] if rest else None)
    src = ctx.t(x)
    in_dims = ctx.dims_of(src)
    out_shape = ctx.meta().shape
    sh = _resize_scale(in_dims[2].add, int(out_shape[2]), scales[0] if scales else None)
    sw = _resize_scale(in_dims[3].add, int(out_shape[3]), scales[1] if scales else None)
    return ctx.emit("RESIZE_BILINEAR" if bilinear else "RESIZE_NEAREST", [src],
                    align_corners=align, scale_h=sh, scale_w=sw)


def _pair(v):
    if isinstance(v, int):
        return (v, v)
    v = list(v)
    return (int(v[0]), int(v[0])) if len(v) == 1 else (int(v[0]), int(v[1]))


def lower(captured: Captured) -> Graph:
    return Lowering(captured).run()
