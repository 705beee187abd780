"""Pointwise regions: elementwise functions of one tensor, which int8 computes by table.

A region grows from a root tensor r (float32): an elementwise operator (schema/ops.py
ELEMENTWISE) joins it when each of its inputs is r, a tensor the region computes, or a
constant of one element, and its output has r's shape and is float32 or BOOL. Every
value the region computes is then a function of r's value at the same position alone;
when r is int8 that value is one of 256, so each result read outside the region (an
exit) is one table lookup of r. ELU (a comparison, an expm1, two multiplies and a
select), SiLU (x * sigmoid(x)), hardsigmoid, a sine or `x * 0.5 + 1` each become one
lookup: one rounding instead of one per operator, and no int8 kernel needed per op.

`find(graph)` returns the regions; `tabulate(graph, region, real)` the value of each exit
at the root values `real`, computed by the reference kernels (exporter/reference.py) in
float64.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from exporter.reference import elementwise
from schema.ops import BOOL_OUT, ELEMENTWISE

_VALUE_DTYPES = (np.dtype(np.float32), np.dtype(np.bool_))


@dataclass
class Region:
    root: str
    nodes: list = field(default_factory=list)    # indices into graph.nodes, in graph order
    exits: list = field(default_factory=list)    # tensors the region computes that are read outside it


def _scalar_constant(graph, name) -> bool:
    t = graph.tensors[name]
    return t.is_constant and t.data.size == 1 and t.data.dtype in _VALUE_DTYPES


def find(graph) -> list:
    """The regions of `graph` with at least one operator, in graph order of their roots'
    first use."""
    root_of: dict = {}           # tensor computed by a region -> its root
    regions: dict = {}           # root -> Region
    for k, node in enumerate(graph.nodes):
        if node.op not in ELEMENTWISE or len(node.outputs) != 1:
            continue
        live = [n for n in node.inputs if n is not None and not _scalar_constant(graph, n)]
        if not live or any(graph.tensors[n].is_constant for n in live):
            continue
        roots = {root_of.get(n, n) for n in live}
        if len(roots) != 1:
            continue
        root, out = roots.pop(), graph.tensors[node.outputs[0]]
        r = graph.tensors[root]
        if r.dtype != np.float32 or out.dtype not in _VALUE_DTYPES or tuple(out.dims) != tuple(r.dims):
            continue
        regions.setdefault(root, Region(root)).nodes.append(k)
        root_of[node.outputs[0]] = root
    inside = {k for reg in regions.values() for k in reg.nodes}
    read_outside = set(graph.outputs)
    for k, node in enumerate(graph.nodes):
        if k not in inside:
            read_outside.update(n for n in node.inputs if n is not None)
    for reg in regions.values():
        reg.exits = [graph.nodes[k].outputs[0] for k in reg.nodes if graph.nodes[k].outputs[0] in read_outside]
    return list(regions.values())


def tabulate(graph, region: Region, real: np.ndarray) -> dict:
    """{exit: its values} for the root taking the values `real` (float64, 1-D)."""
    values = {region.root: real}

    def value(name):
        if name in values:
            return values[name]
        data = graph.tensors[name].data.reshape(())          # a one-element constant
        return data if data.dtype == np.bool_ else data.astype(np.float64)

    for k in region.nodes:
        node = graph.nodes[k]
        ins = [value(n) for n in node.inputs if n is not None]
        out = np.empty(real.shape, np.bool_ if node.op in BOOL_OUT else np.float64)
        values[node.outputs[0]] = elementwise(node.op, ins, node.options, out)
    return {name: values[name] for name in region.exits}
