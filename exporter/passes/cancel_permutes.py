"""Permute cancelling: compose back-to-back permutes, drop identities, and turn a
permute that only moves size-1 dimensions into a free RESHAPE."""
from exporter.ir import Dim


def _only_moves_ones(dims, perm):
    kept = [p for p in perm if dims[p] != Dim.static(1)]
    return kept == sorted(kept)


def cancel_permutes(graph):
    changed = True
    while changed:
        changed = False
        producers = graph.producers()
        users = graph.consumers()
        for node in graph.nodes:
            if node.op != "PERMUTE":
                continue
            src = producers.get(node.inputs[0])
            if (src is not None and src.op == "PERMUTE" and src.outputs[0] not in graph.outputs
                    and len(users.get(src.outputs[0], [])) == 1):
                inner, outer = src.options["perm"], node.options["perm"]
                node.options["perm"] = [inner[p] for p in outer]
                node.inputs = [src.inputs[0]]
                graph.nodes.remove(src)
                changed = True
                break
            perm = node.options["perm"]
            if perm == sorted(perm):
                if node.outputs[0] in graph.outputs:
                    node.op, node.options = "RESHAPE", {}
                else:
                    graph.replace_uses(node.outputs[0], node.inputs[0])
                    graph.nodes.remove(node)
                changed = True
                break
            if _only_moves_ones(graph.tensors[node.inputs[0]].dims, perm):
                node.op, node.options = "RESHAPE", {}
                changed = True
                break
    return graph
