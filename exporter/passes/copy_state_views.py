"""A view (RESHAPE) of a state tensor reads a copy of it instead: a view would share the
state's memory, and a program's views live in the arena (the loaders refuse a RESHAPE of a
STATE tensor). The copy is an EXPAND to the state's own shape."""
from exporter.ir import Node
from schema.ops import VIEW_OPS


def copy_state_views(graph):
    nodes = []
    for node in graph.nodes:
        src = node.inputs[0] if node.op in VIEW_OPS else None
        if src is not None and graph.tensors[src].state is not None:
            t = graph.tensors[src]
            copy = graph.add_tensor(src + "_copy", t.dtype, t.dims)
            nodes.append(Node("EXPAND", [src], [copy], {}, node.source, None, node.origin, node.module))
            node.inputs = [copy] + node.inputs[1:]
        nodes.append(node)
    graph.nodes = nodes
    return graph
