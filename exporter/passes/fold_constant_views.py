"""Fold views of constants: a RESHAPE (or other view op) of a constant is itself a
constant, the same data reshaped; the node goes and its output becomes that constant."""
from schema.ops import VIEW_OPS


def fold_constant_views(graph):
    """A view of a constant is itself a constant (reshaped data)."""
    for node in list(graph.nodes):
        if node.op in VIEW_OPS and graph.tensors[node.inputs[0]].is_constant:
            out = graph.tensors[node.outputs[0]]
            if out.is_static:
                out.data = graph.tensors[node.inputs[0]].data.reshape(out.shape([]))
                graph.nodes.remove(node)
    return graph
