"""IR patterns both front ends emit: one definition each, whichever framework the op came from."""
from __future__ import annotations

import numpy as np

from exporter.ir import Graph, Node


def batch_norm(graph: Graph, x: str, out: str, mean, var, eps: float, weight=None, bias=None,
               source: str = "") -> str:
    """Inference batch norm of IR tensor `x` (N, C, ...) into the IR tensor `out`: the
    channel affine x * scale + shift, scale = weight / sqrt(var + eps) and shift = bias -
    mean * scale (in float64, stored float32). passes/fold_batchnorm.py merges it into the
    convolution before it, when there is one."""
    scale = (1.0 if weight is None else weight.astype(np.float64)) / np.sqrt(var.astype(np.float64) + eps)
    shift = (0.0 if bias is None else bias.astype(np.float64)) - mean.astype(np.float64) * scale
    dims = graph.tensors[x].dims
    shape = [-1] + [1] * (len(dims) - 2)
    s = graph.add_constant("bn_scale", np.asarray(scale, np.float32).reshape(shape))
    h = graph.add_constant("bn_shift", np.asarray(shift, np.float32).reshape(shape))
    scaled = graph.add_tensor(f"{out}_scaled", np.float32, dims)
    graph.nodes.append(Node("MUL", [x, s], [scaled], {"activation": 0}, source))
    graph.nodes.append(Node("ADD", [scaled, h], [out], {"activation": 0}, source))
    return out
