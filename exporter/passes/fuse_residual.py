"""Fuse a float skip connection into the convolution before it: ADD(conv(x), skip) becomes
CONV2D(x, w, bias, residual=skip) with the ADD's activation, when the convolution has no
activation of its own, its output goes only to that ADD, and the skip has the output's
shape and is ready before the convolution runs. The runtimes add the residual in the
convolution's epilogue (after the bias, before the activation), saving a pass over the
tensor. Runs after quantization, on float operators only (an int8 ADD rescales)."""
import numpy as np


def fuse_residual(graph):
    producers = graph.producers()
    users = graph.consumers()
    order = {id(node): k for k, node in enumerate(graph.nodes)}
    for add in list(graph.nodes):
        if add.op != "ADD" or add.quant is not None or len(add.inputs) != 2 or add.inputs[0] == add.inputs[1]:
            continue
        out = graph.tensors[add.outputs[0]]
        if out.dtype != np.float32:
            continue
        # the convolution computed last: the other operand must exist before it runs
        candidates = sorted(((producers.get(n), n, add.inputs[1 - k]) for k, n in enumerate(add.inputs)),
                            key=lambda c: -order.get(id(c[0]), -1))
        for conv, mid, skip in candidates:
            if (conv is None or conv.op != "CONV2D" or conv.quant is not None or conv.options.get("activation", 0)
                    or len(conv.inputs) > 3 or mid in graph.outputs or len(users.get(mid, [])) != 1
                    or users[mid][0] is not add):
                continue
            t, s = graph.tensors[mid], graph.tensors[skip]
            ready = producers.get(skip) is None or order[id(producers[skip])] < order[id(conv)]
            if not ready or t.dtype != np.float32 or s.dtype != np.float32 or not (t.dims == s.dims == out.dims):
                continue
            conv.inputs = (list(conv.inputs) + [None] * 3)[:3] + [skip]
            conv.options = {**conv.options, "activation": add.options.get("activation", 0)}
            conv.outputs = [add.outputs[0]]
            producers[add.outputs[0]] = conv
            graph.nodes.remove(add)
            del graph.tensors[mid]
            break
    return graph
