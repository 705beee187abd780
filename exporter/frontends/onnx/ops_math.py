"""ONNX handlers: elementwise math, reductions, softmax, clip, casts, and ops composed of them."""
from __future__ import annotations

import numpy as np

from exporter.frontends.onnx.model import ONNX_DTYPES
from exporter.frontends.onnx.registry import HANDLERS, Unsupported, handles
from schema.ops import FLOAT_ONLY


for _onnx, _ember in {"Add": "ADD", "Sub": "SUB", "Mul": "MUL", "Div": "DIV", "Pow": "POW", "Max": "MAXIMUM",
                      "Min": "MINIMUM", "Equal": "EQUAL", "Less": "LESS", "Greater": "GREATER",
                      "LessOrEqual": "LESS_EQUAL", "GreaterOrEqual": "GREATER_EQUAL", "And": "LOGICAL_AND",
                      "Or": "LOGICAL_OR"}.items():
    def _binary(ctx, node, a, _op=_ember):
        if len(node.input) != 2:
            raise Unsupported(f"{len(node.input)} inputs (Ember's op takes 2)")
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
                      "HardSwish": "HARDSWISH", "Sin": "SIN", "Cos": "COS", "Tan": "TAN", "Asin": "ASIN",
                      "Acos": "ACOS", "Atan": "ATAN", "Sinh": "SINH", "Cosh": "COSH", "Floor": "FLOOR",
                      "Ceil": "CEIL", "Round": "ROUND", "Sign": "SIGN", "Asinh": "ASINH", "Acosh": "ACOSH",
                      "Atanh": "ATANH"}.items():
    def _unary(ctx, node, a, _op=_ember):
        x = ctx.t(node.input[0])
        if _op in FLOAT_ONLY and ctx.g.tensors[x].dtype.kind != "f":     # float16/64: computed in float32
            raise Unsupported(f"{node.op_type} of {ctx.g.tensors[x].dtype} (Ember's {_op} is float32)")
        ctx.emit(_op, [x], node.output[0])
    HANDLERS[_onnx] = _unary


@handles("ReduceMean", "ReduceSum", "ReduceMax", "ReduceProd")
def _reduce(ctx, node, a):
    rank = ctx.rank(node.input[0])
    if len(node.input) > 1 and node.input[1]:
        axes = ctx.constant(node.input[1], "axes").tolist()
    else:
        axes = a.get("axes", [])
    if not axes and a.get("noop_with_empty_axes", 0):
        return ctx.emit("RESHAPE", [ctx.t(node.input[0])], node.output[0])
    axes = sorted({int(x) % rank for x in axes}) if rank else []
    axes = axes or list(range(rank))
    op = {"ReduceMean": "REDUCE_MEAN", "ReduceSum": "REDUCE_SUM", "ReduceMax": "REDUCE_MAX",
          "ReduceProd": "REDUCE_PROD"}[node.op_type]
    ctx.emit(op, [ctx.t(node.input[0])], node.output[0], axes=axes, keep_dims=bool(a.get("keepdims", 1)))


@handles("Softmax", "LogSoftmax")
def _softmax(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("SOFTMAX" if node.op_type == "Softmax" else "LOG_SOFTMAX", [ctx.t(node.input[0])], node.output[0],
             axis=int(a.get("axis", -1)) % max(rank, 1))


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


@handles("Cast", "CastLike")
def _cast(ctx, node, a):
    if node.op_type == "Cast":
        dtype = ONNX_DTYPES.get(int(a.get("to", 0)))
    else:
        dtype = ctx.shapes[node.input[1]][1] if node.input[1] in ctx.shapes else ctx.const[node.input[1]].dtype.type
    if dtype is None:
        raise Unsupported("a dtype Ember does not have")
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


@handles("ReduceMin")
def _reduce_min(ctx, node, a):
    """min(x) = -max(-x), exact for float and signed integers."""
    x = ctx.t(node.input[0])
    dtype = ctx.g.tensors[x].dtype
    if dtype.kind not in "fi":
        raise Unsupported(f"ReduceMin of {dtype}")
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


@handles("Mod")
def _mod(ctx, node, a):
    """fmod=0: the sign of the divisor (MOD); fmod=1: the sign of the dividend (FMOD)."""
    x, y = ctx.t(node.input[0]), ctx.t(node.input[1])
    if ctx.g.tensors[x].dtype != ctx.g.tensors[y].dtype:
        raise Unsupported(f"operands of two dtypes ({ctx.g.tensors[x].dtype}, {ctx.g.tensors[y].dtype})")
    ctx.emit("FMOD" if a.get("fmod", 0) else "MOD", [x, y], node.output[0])
