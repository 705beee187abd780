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
    as (B * rows, slice...), rows the product of the k indexed sizes, read by one GATHER on
    axis 0 at a linear index. Component c of each tuple becomes c's stride times its
    position by a GATHER from the constant table arange(n_c) * stride_c, which counts a
    negative component from the end and fails the run on one outside [-n_c, n_c); the
    products are summed, plus b's first row."""
    x, ix = ctx.t(node.input[0]), ctx.t(node.input[1])
    dshape, ishape = ctx.dims(x), ctx.dims(ix)
    b = int(a.get("batch_dims", 0))
    k = ishape[-1]
    if not 0 <= b < min(len(dshape), len(ishape)) or not 1 <= k <= len(dshape) - b:
        raise Unsupported(f"GatherND with batch_dims {b} and index tuples of {k} of data {dshape}")
    if ishape[:b] != dshape[:b]:
        raise Unsupported("GatherND whose batch dimensions differ between data and indices")
    sizes, tuples = dshape[b:b + k], ishape[:-1]
    strides = np.cumprod([1] + sizes[:0:-1])[::-1]
    lin = None
    for c, (n, stride) in enumerate(zip(sizes, strides)):
        part = ix if k == 1 else ctx.tmp("SLICE", [ix], tuples + [1], ctx.g.tensors[ix].dtype, axis=len(tuples),
                                         start=c, step=1)
        table = ctx.g.add_constant("gathernd_offsets", np.arange(n, dtype=np.int64) * int(stride))
        part = ctx.tmp("GATHER", [table, part], tuples + [1], np.int64, axis=0)
        lin = part if lin is None else ctx.tmp("ADD", [lin, part], tuples + [1], np.int64)
    rows, batch = int(np.prod(sizes, dtype=np.int64)), int(np.prod(dshape[:b], dtype=np.int64))
    if b:
        first = (np.arange(batch, dtype=np.int64) * rows).reshape(ishape[:b] + [1] * (len(ishape) - b))
        lin = ctx.tmp("ADD", [lin, ctx.g.add_constant("gathernd_batch", first)], tuples + [1], np.int64)
    lin = ctx.tmp("RESHAPE", [lin], tuples, np.int64)
    flat = ctx.tmp("RESHAPE", [x], [batch * rows] + dshape[b + k:], ctx.g.tensors[x].dtype)
    ctx.emit("GATHER", [flat, lin], node.output[0], axis=0)


@handles("TensorScatter")
def _tensor_scatter(ctx, node, a):
    """The cache with `update` written along `axis` from each batch row's write index w (0
    when absent): a SCATTER_ELEMENTS at positions w + j, j < the update's length on axis.
    circular: positions past the end wrap by one subtraction of the cache length L (with
    SCATTER_ELEMENTS counting a negative position from the end this is w + j mod L for w + j
    in [-L, 2L); a position outside fails the run, as one does in linear mode)."""
    past, update = ctx.t(node.input[0]), ctx.t(node.input[1])
    shape, ushape = ctx.dims(past), ctx.dims(update)
    rank = len(shape)
    axis = int(a.get("axis", -2)) % max(rank, 1)
    mode = a.get("mode", "linear")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode not in ("linear", "circular") or rank < 2 or axis == 0:
        raise Unsupported(f"TensorScatter with mode '{mode}' on axis {axis} of rank {rank}")
    along = [1] * rank
    along[axis] = ushape[axis]
    pos = ctx.g.add_constant("tensorscatter_steps", np.arange(ushape[axis], dtype=np.int64).reshape(along))
    if len(node.input) > 2 and node.input[2]:
        w = ctx.t(node.input[2])
        if ctx.g.tensors[w].dtype != np.int64:
            w = ctx.tmp("CAST", [w], ctx.dims(w), np.int64)
        w = ctx.tmp("RESHAPE", [w], [shape[0]] + [1] * (rank - 1), np.int64)
        along[0] = shape[0]
        pos = ctx.tmp("ADD", [w, pos], along, np.int64)
    if mode == "circular":
        length = ctx.g.add_constant("tensorscatter_length", np.array(shape[axis], np.int64))
        past_end = ctx.tmp("GREATER_EQUAL", [pos, length], along, np.bool_)
        wrapped = ctx.tmp("SUB", [pos, length], along, np.int64)
        pos = ctx.tmp("WHERE", [past_end, wrapped, pos], along, np.int64)
    index = ctx.tmp("EXPAND", [pos], ushape, np.int64)
    ctx.emit("SCATTER_ELEMENTS", [past, index, update], node.output[0], axis=axis, reduction=fb.Reduction.NONE)
