"""Fold a per-channel affine (inference batch norm, lowered as MUL then ADD by
constants) into the convolution or fully connected layer that produces its input."""
import numpy as np


def _per_channel(value, out_rank, channel_axis, channels):
    """`value` as a (channels,) vector if it varies only along the channel axis, else None."""
    if value.ndim > out_rank:
        return None
    shape = (1,) * (out_rank - value.ndim) + value.shape
    for axis, n in enumerate(shape):
        if axis != channel_axis and n != 1:
            return None
    if shape[channel_axis] not in (1, channels):
        return None
    return np.broadcast_to(value.reshape(-1), (channels,)).astype(np.float64)


def fold_batchnorm(graph):
    changed = True
    while changed:
        changed = False
        users = graph.consumers()
        for node in graph.nodes:
            if node.op not in ("CONV2D", "FULLY_CONNECTED") or node.options.get("activation", 0):
                continue
            out = node.outputs[0]
            if out in graph.outputs or len(users.get(out, [])) != 1:
                continue
            nxt = users[out][0]
            if nxt.op not in ("MUL", "ADD"):
                continue
            other = nxt.inputs[1] if nxt.inputs[0] == out else nxt.inputs[0]
            const = graph.tensors[other]
            if not const.is_constant or const.dtype != np.float32:
                continue
            weight = graph.tensors[node.inputs[1]].data.astype(np.float64)
            channels = weight.shape[0]
            rank = graph.tensors[out].rank
            axis = 1 if node.op == "CONV2D" else rank - 1
            vec = _per_channel(const.data, rank, axis, channels)
            if vec is None:
                continue
            bias_name = node.inputs[2] if len(node.inputs) > 2 else None
            bias = (graph.tensors[bias_name].data.astype(np.float64) if bias_name
                    else np.zeros(channels))
            if nxt.op == "MUL":
                weight = weight * vec.reshape((-1,) + (1,) * (weight.ndim - 1))
                bias = bias * vec
            else:
                bias = bias + vec
            node.inputs = [node.inputs[0],
                           graph.add_constant("folded_weight", weight.astype(np.float32)),
                           graph.add_constant("folded_bias", bias.astype(np.float32))]
            # The fused node now produces the affine's output directly.
            result = nxt.outputs[0]
            graph.nodes.remove(nxt)
            node.outputs = [result]
            changed = True
            break
    return graph
