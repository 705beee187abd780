"""Fuse RELU / RELU6 into the CONV2D, CONV_TRANSPOSE2D, FULLY_CONNECTED or ADD that feeds it."""
import numpy as np

from schema import fb

FUSABLE = ("CONV2D", "CONV_TRANSPOSE2D", "FULLY_CONNECTED", "ADD")


def _activation(node):
    if node.op == "RELU":
        return fb.Activation.RELU
    if node.op == "CLAMP" and node.options.get("min") == 0.0 and node.options.get("max") == 6.0:
        return fb.Activation.RELU6
    return None


def fuse_activation(graph):
    producers = graph.producers()
    users = graph.consumers()
    for node in list(graph.nodes):
        act = _activation(node)
        if act is None:
            continue
        src = producers.get(node.inputs[0])
        if src is None or src.op not in FUSABLE or src.options.get("activation", 0):
            continue
        mid = src.outputs[0]
        if mid in graph.outputs or len(users.get(mid, [])) != 1:
            continue
        if graph.tensors[mid].dtype != np.float32:
            continue
        src.options["activation"] = act
        src.outputs = [node.outputs[0]]
        producers[node.outputs[0]] = src
        graph.nodes.remove(node)
    return graph
