"""Int8 weights without calibration, for FULLY_CONNECTED layers with a constant weight:

  int8-dynamic      the runtime quantizes each input row to int8 and accumulates in
                    integers (transformer-style models: activations vary per token)
  int8-weight-only  the int8 weight is used as float (memory-bound models: a quarter of
                    the weight bytes to read)

Weights are symmetric per output channel; biases and everything else stay float.
"""
from __future__ import annotations

import numpy as np

from exporter.ir import Graph
from exporter.quantize import params as P


def quantize_weights(graph: Graph, dynamic: bool) -> int:
    """Rewrite every eligible FULLY_CONNECTED in place; returns how many."""
    count = 0
    for node in graph.nodes:
        if node.op != "FULLY_CONNECTED":
            continue
        w = graph.tensors[node.inputs[1]]
        if not w.is_constant or w.data.dtype != np.float32 or w.data.ndim != 2 or w.data.size == 0:
            continue
        q, qp = P.weight_per_channel(w.data, 0)
        name = graph.add_constant(node.inputs[1] + "_q", q)
        graph.tensors[name].quant = qp
        node.inputs = [node.inputs[0], name] + node.inputs[2:]
        node.options["dynamic_quantization"] = bool(dynamic)
        count += 1
    return count
