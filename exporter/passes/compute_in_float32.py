"""Storage dtypes (FLOAT16, FLOAT64) are stored, cast and moved, never computed on: an
operator other than CAST and data movement (schema/ops.py STORAGE_DTYPE_OPS) reads each
such operand through a CAST to FLOAT32 and writes a FLOAT32 result that a CAST narrows
back (a float16 ONNX model computes in float32 between its float16 inputs and outputs).
A constant operand is converted here instead of by a CAST."""
import numpy as np

from exporter.ir import Node
from schema.ops import STORAGE_DTYPE_OPS

STORAGE = (np.dtype(np.float16), np.dtype(np.float64))


def compute_in_float32(graph):
    nodes, widened = [], {}     # a storage tensor's float32 copy, made once
    for node in graph.nodes:
        if node.op in STORAGE_DTYPE_OPS:
            nodes.append(node)
            continue
        for i, name in enumerate(node.inputs):
            t = graph.tensors.get(name) if name is not None else None
            if t is None or t.dtype not in STORAGE:
                continue
            if name not in widened:
                if t.data is not None:
                    widened[name] = graph.add_constant(name + "_f32", t.data.astype(np.float32))
                else:
                    widened[name] = graph.add_tensor(name + "_f32", np.float32, t.dims)
                    nodes.append(Node("CAST", [name], [widened[name]], {}, node.source))
            node.inputs[i] = widened[name]
        nodes.append(node)
        for i, name in enumerate(node.outputs):
            t = graph.tensors[name]
            if t.dtype in STORAGE:
                computed = graph.add_tensor(name + "_f32", np.float32, t.dims)
                node.outputs[i] = computed
                nodes.append(Node("CAST", [computed], [name], {}, node.source))
    graph.nodes = nodes
    return graph
