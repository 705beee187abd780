"""ONNX handlers: ArgMax, ArgMin, TopK (TOPK, then GATHER_ELEMENTS for the values),
and Hardmax composed of ARG_MAX, EQUAL and CAST."""
from __future__ import annotations

import numpy as np

from exporter.frontends.onnx.registry import Unsupported, handles
from exporter.ir import Dim


@handles("ArgMax", "ArgMin")
def _arg(ctx, node, a):
    rank = ctx.rank(node.input[0])
    if rank == 0:
        raise Unsupported(f"{node.op_type} of a scalar")
    ctx.emit("ARG_MAX" if node.op_type == "ArgMax" else "ARG_MIN", [ctx.t(node.input[0])], node.output[0],
             axis=int(a.get("axis", 0)) % rank, keep_dims=bool(a.get("keepdims", 1)),
             select_last_index=bool(a.get("select_last_index", 0)))


@handles("TopK")
def _topk(ctx, node, a):
    """K from the constant input (opset 10 on; older models are upgraded on import); always
    sorted (sorted=0 leaves the order free). The values output is GATHER_ELEMENTS of the
    indices."""
    rank = ctx.rank(node.input[0])
    if rank == 0:
        raise Unsupported("TopK of a scalar")
    k = int(np.asarray(ctx.constant(node.input[1], "K")).reshape(-1)[0])
    axis = int(a.get("axis", -1)) % rank
    x = ctx.t(node.input[0])
    shape = list(ctx.value_dims(node.input[0]))
    if not shape[axis].is_static or not 0 <= k <= shape[axis].add:
        raise Unsupported(f"K = {k} on an axis of {shape[axis]} elements")
    values, indices = (list(node.output) + ["", ""])[:2]
    if indices:
        idx = ctx.emit("TOPK", [x], indices, axis=axis, largest=bool(a.get("largest", 1)))
    else:
        shape[axis] = Dim.static(k)
        idx = ctx.tmp("TOPK", [x], shape, np.int64, axis=axis, largest=bool(a.get("largest", 1)))
    if values:
        ctx.emit("GATHER_ELEMENTS", [x, idx], values, axis=axis)


@handles("Hardmax")
def _hardmax(ctx, node, a):
    """1.0 where the first largest element along axis is, else 0.0: ARG_MAX (kept dim) EQUAL
    to the positions 0..n-1 along the axis, CAST to float (opset 13's single-axis form)."""
    x = ctx.t(node.input[0])
    shape = ctx.dims(x)
    if not shape:
        raise Unsupported("Hardmax of a scalar")
    axis = int(a.get("axis", -1)) % len(shape)
    if shape[axis] == 0:   # no element: an empty output
        return ctx.emit("FULL", [], node.output[0], value=0.0)
    kept = [1 if d == axis else n for d, n in enumerate(shape)]
    idx = ctx.tmp("ARG_MAX", [x], kept, np.int64, axis=axis, keep_dims=True, select_last_index=False)
    where = [shape[axis] if d == axis else 1 for d in range(len(shape))]
    positions = ctx.g.add_constant("positions", np.arange(shape[axis], dtype=np.int64).reshape(where))
    hit = ctx.tmp("EQUAL", [idx, positions], shape, np.bool_, activation=0)
    ctx.emit("CAST", [hit], node.output[0])
