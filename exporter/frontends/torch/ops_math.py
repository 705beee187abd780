"""Lowerings of elementwise math, activations, softmax and normalization."""
from __future__ import annotations

import math
import operator

import numpy as np
import torch

from exporter.frontends.torch.context import Unsupported, _axis, numpy_dtype
from exporter.frontends.builder import batch_norm
from exporter.frontends.torch.registry import LOWERINGS, lowers

aten = torch.ops.aten


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
    def lower(ctx, a, b, alpha=1):
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
    "MUL": ["mul.Tensor", "mul.Scalar"], "DIV": ["div.Tensor", "div.Scalar"],
    "POW": ["pow.Tensor_Scalar", "pow.Tensor_Tensor", "pow.Scalar"],
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


@lowers(aten.bitwise_and.Tensor, aten.bitwise_or.Tensor, aten.bitwise_and.Scalar, aten.bitwise_or.Scalar)
def _bitwise(ctx, a, b):
    if ctx.meta().dtype != torch.bool:
        raise Unsupported("bitwise ops are supported on bool tensors only")
    return _binary("LOGICAL_AND" if "and" in str(ctx.node.target) else "LOGICAL_OR")(ctx, a, b)


@lowers(aten.logical_xor.default, aten.bitwise_xor.Tensor, aten.bitwise_xor.Scalar)
def _xor(ctx, a, b):
    """Truth values that differ: NOT_EQUAL of the operands as BOOL (bitwise: bool tensors only)."""
    if ctx.node.target is not aten.logical_xor.default and ctx.meta().dtype != torch.bool:
        raise Unsupported("bitwise ops are supported on bool tensors only")
    return ctx.emit("NOT_EQUAL", [ctx.t(a, np.bool_), ctx.t(b, np.bool_)])


def _same_dtype(op):
    """An op of one dtype for inputs and output (the output's: torch's promotion)."""
    def lower(ctx, a, b, **kwargs):   # (atan2.out's `out` is the result: never in an exported graph)
        dtype = numpy_dtype(ctx.meta().dtype)
        return ctx.emit(op, [ctx.t(a, dtype), ctx.t(b, dtype)])
    return lower


for _op, _ovs in {"MOD": [aten.remainder.Tensor, aten.remainder.Scalar, aten.remainder.Scalar_Tensor],
                  "FMOD": [aten.fmod.Tensor, aten.fmod.Scalar],
                  "ATAN2": [aten.atan2.default, aten.atan2.out]}.items():
    for _ov in _ovs:
        LOWERINGS[_ov] = _same_dtype(_op)


@lowers(aten.div.Tensor_mode, aten.div.Scalar_mode)
def _div_mode(ctx, a, b, rounding_mode=None):
    """a / b rounded toward zero ("trunc") or down ("floor").

    Integers, exactly: trunc(a / b) = (a - FMOD(a, b)) / b, a multiple of b no larger than
    a (no overflow), whose quotient DIV's float64 gives exactly below 2**53; an INT64 one is
    corrected by the error of its product (q + (m - q*b) / b, exact in wrap-around int64).
    floor subtracts (MOD - FMOD) / b: 1 where the remainders differ (they differ by b), else
    0. A zero divisor is the run-time error of FMOD, as torch raises.
    Floats: "trunc" is TRUNC(a / b), as torch; "floor" rounds (a - MOD(a, b)) / b to the
    integer it is (torch's formula, so 1.0 // 0.1 is 9, not floor(a / b) = 10), with a / b
    (+-inf, NaN) where b is 0."""
    if rounding_mode is None:
        return _binary("DIV")(ctx, a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise Unsupported(f"rounding_mode={rounding_mode!r}")
    dtype = numpy_dtype(ctx.meta().dtype)
    x, y = ctx.t(a, dtype), ctx.t(b, dtype)
    dims = ctx.dims(ctx.meta().shape)

    def step(op, *ins):
        return ctx.emit(op, list(ins), [ctx.new(dtype, dims)])
    if dtype.kind == "f":
        return _div_mode_float(ctx, b, x, y, rounding_mode == "floor", step)
    rem = step("FMOD", x, y)
    multiple = step("SUB", x, rem)
    q = step("DIV", multiple, y)
    if dtype == np.int64:
        q = step("ADD", q, step("DIV", step("SUB", multiple, step("MUL", q, y)), y))
    if rounding_mode == "trunc":
        return q
    return ctx.emit("SUB", [q, step("DIV", step("SUB", step("MOD", x, y), rem), y)])


def _div_mode_float(ctx, b, x, y, floor, step):
    if not floor:
        return ctx.emit("TRUNC", [step("DIV", x, y)])
    q = step("ROUND", step("DIV", step("SUB", x, step("MOD", x, y)), y))
    divisor = ctx.const_value(b) if isinstance(b, torch.fx.Node) else np.asarray(b)
    if divisor is not None and np.all(divisor != 0):
        return q
    zero = ctx.emit("EQUAL", [y, ctx.t(0.0)], [ctx.new(np.dtype(np.bool_), ctx.dims_of(y))])
    return ctx.emit("WHERE", [zero, step("DIV", x, y), q])


@lowers(aten.isnan.default)
def _isnan(ctx, x):
    src = ctx.t(x)
    return ctx.emit("NOT_EQUAL", [src, src])          # only NaN differs from itself


@lowers(aten.isinf.default)
def _isinf(ctx, x):
    src = ctx.t(x, np.float32)
    size = ctx.emit("ABS", [src], [ctx.new(np.float32, ctx.dims_of(src))])
    return ctx.emit("EQUAL", [size, ctx.t(math.inf)])


@lowers(aten.clamp.Tensor)
def _clamp_tensor(ctx, x, lo=None, hi=None):
    """min(max(x, lo), hi) with tensor bounds (either may be absent), broadcasting."""
    dtype = numpy_dtype(ctx.meta().dtype)
    out = ctx.t(x, dtype)
    for op, bound in (("MAXIMUM", lo), ("MINIMUM", hi)):
        if bound is not None:
            out = ctx.emit(op, [out, ctx.t(bound, dtype)])       # each of the output's (broadcast) shape
    return out


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
                 "HARDSWISH": aten.hardswish.default, "SIN": aten.sin.default,
                 "COS": aten.cos.default, "TAN": aten.tan.default, "ASIN": aten.asin.default,
                 "ACOS": aten.acos.default, "ATAN": aten.atan.default, "SINH": aten.sinh.default,
                 "COSH": aten.cosh.default, "LOG1P": aten.log1p.default, "EXPM1": aten.expm1.default,
                 "ASINH": aten.asinh.default, "ACOSH": aten.acosh.default, "ATANH": aten.atanh.default,
                 "LOG2": aten.log2.default, "LOG10": aten.log10.default}.items():
    LOWERINGS[_ov] = _unary(_op)


def _rounding(op):
    """FLOOR, CEIL, ROUND of a float; an integer tensor is already whole (torch returns it)."""
    def lower(ctx, x):
        src = ctx.t(x)
        return src if ctx.dtype_of(src).kind in "iub" else ctx.emit(op, [src])
    return lower


for _op, _ov in {"FLOOR": aten.floor.default, "CEIL": aten.ceil.default, "ROUND": aten.round.default,
                 "TRUNC": aten.trunc.default}.items():
    LOWERINGS[_ov] = _rounding(_op)


@lowers(aten.sign.default)
def _sign(ctx, x):
    src = ctx.t(x)
    if ctx.dtype_of(src).kind != "f":
        raise Unsupported("sign of an integer tensor (Ember's SIGN is float32)")
    return ctx.emit("SIGN", [src])


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


@lowers(aten.leaky_relu.default)
def _leaky_relu(ctx, x, negative_slope=0.01):
    """x if x > 0 else slope * x: max(x, slope * x) for a slope up to 1, min above."""
    src = ctx.t(x)
    scaled = ctx.emit("MUL", [src, ctx.t(float(negative_slope))], [ctx.new(ctx.dtype_of(src), ctx.dims_of(src))])
    return ctx.emit("MAXIMUM" if negative_slope <= 1 else "MINIMUM", [src, scaled])


@lowers(aten.elu.default)
def _elu(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
    """scale * x if x > 0 else alpha * scale * expm1(input_scale * x), as torch computes it."""
    src = ctx.t(x)
    dt, dims = ctx.dtype_of(src), ctx.dims_of(src)

    def new():
        return [ctx.new(dt, dims)]
    inner = src if input_scale == 1 else ctx.emit("MUL", [src, ctx.t(float(input_scale))], new())
    neg = ctx.emit("MUL", [ctx.emit("EXPM1", [inner], new()), ctx.t(float(alpha * scale))], new())
    pos = src if scale == 1 else ctx.emit("MUL", [src, ctx.t(float(scale))], new())
    positive = ctx.emit("GREATER", [src, ctx.t(0.0)], [ctx.new(np.dtype(np.bool_), dims)])
    return ctx.emit("WHERE", [positive, pos, neg])


@lowers(aten.reciprocal.default)
def _reciprocal(ctx, x):
    src = ctx.t(x, np.float32)
    return ctx.emit("DIV", [ctx.t(1.0), src])


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
    out = batch_norm(ctx.graph, ctx.t(x), ctx.out(index=0), mean, var, eps, w, b, ctx.src)
    return (out, None, None)


