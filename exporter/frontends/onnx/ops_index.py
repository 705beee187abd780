"""ONNX handlers: GatherElements (GATHER_ELEMENTS), ScatterElements and the deprecated Scatter
(SCATTER_ELEMENTS), ScatterND (SCATTER_ND), and GatherND composed over GATHER (a linear index
into the data flattened over its indexed dimensions)."""
from __future__ import annotations

import numpy as np

from exporter.frontends.onnx.registry import Unsupported, handles
from schema import fb

_REDUCTIONS = {"none": fb.Reduction.NONE, "add": fb.Reduction.ADD, "mul": fb.Reduction.MUL,
               "max": fb.Reduction.MAX, "min": fb.Reduction.MIN}


def _reduction(a):
    text = a.get("reduction", "none")
    text = text.decode() if isinstance(text, bytes) else text
    if text not in _REDUCTIONS:
        raise Unsupported(f"reduction '{text}'")
    return _REDUCTIONS[text]


@handles("GatherElements")
def _gather_elements(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("GATHER_ELEMENTS", [ctx.t(node.input[0]), ctx.t(node.input[1])], node.output[0],
             axis=int(a.get("axis", 0)) % max(rank, 1))


@handles("ScatterElements", "Scatter")
def _scatter_elements(ctx, node, a):
    rank = ctx.rank(node.input[0])
    ctx.emit("SCATTER_ELEMENTS", [ctx.t(i) for i in node.input[:3]], node.output[0],
             axis=int(a.get("axis", 0)) % max(rank, 1), reduction=_reduction(a))


@handles("ScatterND")
def _scatter_nd(ctx, node, a):
    ctx.emit("SCATTER_ND", [ctx.t(i) for i in node.input[:3]], node.output[0], reduction=_reduction(a))


@handles("GatherND")
def _gather_nd(ctx, node, a):
    """out[b, p] = data[b, indices[b, p]] with b the first batch_dims dimensions: data seen
    as (B * rows, slice...), rows the product of the k indexed sizes; each index tuple's
    components normalised (WHERE(i < 0, i + n, i)), weighed by their strides and summed
    (REDUCE_SUM over the last axis) plus b's first row, then a GATHER on axis 0."""
    x, ix = ctx.t(node.input[0]), ctx.t(node.input[1])
    dshape, ishape = ctx.dims(x), ctx.dims(ix)
    b = int(a.get("batch_dims", 0))
    k = ishape[-1]
    if not 0 <= b < min(len(dshape), len(ishape)) or not 1 <= k <= len(dshape) - b:
        raise Unsupported(f"GatherND with batch_dims {b} and index tuples of {k} of data {dshape}")
    if ishape[:b] != dshape[:b]:
        raise Unsupported("GatherND whose batch dimensions differ between data and indices")
    sizes = dshape[b:b + k]
    rows = int(np.prod(sizes, dtype=np.int64))
    batch = int(np.prod(dshape[:b], dtype=np.int64))
    if ctx.g.tensors[ix].dtype != np.int64:
        ix = ctx.tmp("CAST", [ix], ishape, np.int64)
    n = ctx.g.add_constant("gathernd_sizes", np.asarray(sizes, np.int64))
    negative = ctx.tmp("LESS", [ix, ctx.g.add_constant("zero", np.array(0, np.int64))], ishape, np.bool_)
    wrapped = ctx.tmp("ADD", [ix, n], ishape, np.int64)
    norm = ctx.tmp("WHERE", [negative, wrapped, ix], ishape, np.int64)
    strides = np.cumprod([1] + sizes[:0:-1])[::-1].astype(np.int64)
    weighed = ctx.tmp("MUL", [norm, ctx.g.add_constant("gathernd_strides", strides)], ishape, np.int64)
    lin = ctx.tmp("REDUCE_SUM", [weighed], ishape[:-1], np.int64, axes=[len(ishape) - 1], keep_dims=False)
    if b:
        first = (np.arange(batch, dtype=np.int64) * rows).reshape(ishape[:b] + [1] * (len(ishape) - 1 - b))
        lin = ctx.tmp("ADD", [lin, ctx.g.add_constant("gathernd_batch", first)], ishape[:-1], np.int64)
    flat = ctx.tmp("RESHAPE", [x], [batch * rows] + dshape[b + k:], ctx.g.tensors[x].dtype)
    ctx.emit("GATHER", [flat, lin], node.output[0], axis=0)
