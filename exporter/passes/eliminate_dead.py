"""Dead-code removal: drop nodes whose outputs nobody reads (an update of program state is
read by later runs: always kept), then unreferenced tensors."""


def eliminate_dead(graph):
    live = set(graph.outputs)
    kept = []
    for node in reversed(graph.nodes):
        if any(o in live or graph.tensors[o].state is not None for o in node.outputs):
            kept.append(node)
            live.update(n for n in node.inputs if n is not None)
    graph.nodes = kept[::-1]
    used = live | set(graph.inputs)
    for node in graph.nodes:
        used.update(node.outputs)
    graph.tensors = {k: v for k, v in graph.tensors.items() if k in used}
    return graph
