"""A one-op quantization program built directly in the IR (QUANTIZE and DEQUANTIZE are
inserted by the int8 rewrite, never captured from torch)."""
import numpy as np

from exporter.ir import Dim, Graph, Node, QParams
from exporter.memory_plan import plan
from exporter.passes import finish
from exporter.serialize import MethodSpec, serialize


def quant_program(shape, scale, zero_point, roundtrip):
    """x (float32) -> QUANTIZE -> [DEQUANTIZE ->] output, as program bytes."""
    g = Graph()
    dims = [Dim.static(n) for n in shape]
    x = g.add_tensor("x", np.float32, dims, exact=True)
    q = g.add_tensor("q", np.int8, dims, exact=True)
    g.tensors[q].quant = QParams(np.array([scale], np.float32), np.array([zero_point], np.int64))
    g.nodes.append(Node("QUANTIZE", [x], [q]))
    out = q
    if roundtrip:
        out = g.add_tensor("y", np.float32, dims, exact=True)
        g.nodes.append(Node("DEQUANTIZE", [q], [out]))
    g.inputs, g.outputs = [x], [out]
    plan(finish(g))
    return serialize([MethodSpec("forward", g)], {})
