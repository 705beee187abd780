"""The static int8 rewrite: decide which operators run on int8, give every int8
tensor its quantization, and put QUANTIZE / DEQUANTIZE where int8 meets float.

An operator runs on int8 when it has an int8 kernel and
  * CONV2D, FULLY_CONNECTED (constant weight) and BATCH_MATMUL: always;
  * ADD, SUB, MUL, CONCAT, pooling, REDUCE_MEAN: when one of its inputs is already int8;
  * views and data movement (RESHAPE, PERMUTE, SLICE, EXPAND, PAD, RESIZE_NEAREST),
    table ops (SIGMOID, TANH, GELU, HARDSWISH, RELU, CLAMP) and SOFTMAX: when its
    input is int8;
and every float operand it touches had a finite calibration range. Everything else
stays float. The method's inputs and outputs stay float: the program quantizes on
entry and dequantizes on exit, so callers never see int8.
"""
from __future__ import annotations

import math

import numpy as np

from exporter.errors import ExportError
from exporter.ir import Graph, Node, QParams
from exporter.quantize import params as P
from exporter.reference import elementwise

JOINING = {"ADD", "SUB", "MUL", "CONCAT", "AVG_POOL2D", "MAX_POOL2D", "REDUCE_MEAN"}
PASSTHROUGH = {"RESHAPE", "PERMUTE", "SLICE", "EXPAND", "PAD"}
SOFTMAX_OUT = QParams(np.array([1.0 / 256.0], np.float32), np.array([-128], np.int64))
ADD_LEFT_SHIFT = 20


# Elementwise functions an int8 operator computes through a table of its 256 results
# (the float function itself comes from the reference kernel: exporter/reference.py).
TABLE_OPS = {"SIGMOID", "TANH", "GELU", "HARDSWISH", "RELU", "CLAMP"}


class _Rewriter:
    def __init__(self, graph: Graph, ranges: dict):
        self.g = graph
        self.ranges = ranges
        self.qp: dict = {}        # int8 tensor name -> QParams
        self.q_of: dict = {}      # float tensor name -> its int8 twin
        self.nodes: list = []

    # ---- decisions ----------------------------------------------------------
    def _finite_range(self, name):
        t = self.g.tensors[name]
        if t.is_constant:
            return t.data.dtype == np.float32 and t.data.size > 0 and bool(np.isfinite(t.data).all())
        r = self.ranges.get(name)
        return r is not None and t.dtype == np.float32 and all(map(math.isfinite, r))

    def _is_q(self, name):
        return name is not None and name in self.q_of

    def _data_inputs(self, node):
        if node.op in ("CONV2D", "FULLY_CONNECTED"):
            return [node.inputs[0]]
        if node.op in ("SOFTMAX",) or node.op in TABLE_OPS or node.op in PASSTHROUGH:
            return [node.inputs[0]]
        return [n for n in node.inputs if n is not None]

    def _wants_int8(self, node) -> bool:
        op, out = node.op, node.outputs[0]
        if len(node.outputs) != 1 or self.g.tensors[out].dtype != np.float32:
            return False
        data = self._data_inputs(node)
        if op in ("CONV2D", "FULLY_CONNECTED"):
            w = self.g.tensors[node.inputs[1]]
            b = node.inputs[2] if len(node.inputs) > 2 else None
            return (w.is_constant and w.data.dtype == np.float32
                    and (b is None or self.g.tensors[b].is_constant)
                    and all(self._is_q(n) or self._finite_range(n) for n in data)
                    and self._finite_range(out))
        if op == "BATCH_MATMUL" or op in JOINING:
            if op != "BATCH_MATMUL" and not any(self._is_q(n) for n in data):
                return False
            if op == "REDUCE_MEAN" and not node.options.get("axes"):
                return False
            return all(self._is_q(n) or self._finite_range(n) for n in data) and self._finite_range(out)
        if op in PASSTHROUGH:
            return self._is_q(data[0]) and (op != "PAD" or math.isfinite(node.options.get("value", 0.0)))
        if op in TABLE_OPS:
            return self._is_q(data[0]) and self._finite_range(out)
        if op == "SOFTMAX":
            return self._is_q(data[0])
        return False

    # ---- emission -------------------------------------------------------------
    def _int8_of(self, name) -> str:
        """The int8 version of float tensor `name`: its twin, a quantized constant, or
        the output of a QUANTIZE emitted now."""
        if name in self.q_of:
            return self.q_of[name]
        t = self.g.tensors[name]
        if t.is_constant:
            qp = P.activation_qparams(float(t.data.min()), float(t.data.max()))
            qname = self.g.add_constant(name + "_q", P.quantize_array(t.data, qp))
        else:
            qp = P.activation_qparams(*self.ranges[name])
            qname = self.g.add_tensor(name + "_q", np.int8, t.dims)
            self.nodes.append(Node("QUANTIZE", [name], [qname], {}, ""))
        self.g.tensors[qname].quant = qp
        self.q_of[name] = qname
        self.qp[qname] = qp
        return qname

    def _new_output(self, node, qp) -> str:
        out = node.outputs[0]
        qname = self.g.add_tensor(out + "_q", np.int8, self.g.tensors[out].dims)
        self.g.tensors[qname].quant = qp
        self.qp[qname] = qp
        self.q_of[out] = qname
        return qname

    @staticmethod
    def _clamp(activation, qp):
        zp, scale = int(qp.zero_point[0]), float(qp.scale[0])
        if activation == 1:
            return max(-128, zp), 127
        if activation == 2:
            return max(-128, zp), min(127, zp + int(round(6.0 / scale)))
        return -128, 127

    # ---- one emitter per family: (node) -> (int8 inputs, output qparams, quant fields) ----
    def _s(self, name) -> float:
        return float(self.qp[name].scale[0])

    def _zp(self, name) -> int:
        return int(self.qp[name].zero_point[0])

    def _passthrough(self, node):
        """Views and data movement: the input's quantization passes through."""
        x = self._int8_of(node.inputs[0])
        quant = {}
        if node.op == "PAD":
            v = node.options.get("value", 0.0)
            quant["fill"] = int(np.clip(np.rint(np.float32(v) / self.qp[x].scale[0]) + self._zp(x), -128, 127))
        return [x] + list(node.inputs[1:]), self.qp[x], quant or None

    def _table(self, node):
        """An elementwise function as a 256-entry table of int8 results (SOFTMAX: of exp)."""
        x = self._int8_of(node.inputs[0])
        real = (np.arange(-128, 128, dtype=np.float64) - self._zp(x)) * self._s(x)
        if node.op == "SOFTMAX":
            qp = SOFTMAX_OUT
            steps = np.arange(256, dtype=np.float64) - 255
            table = np.rint(np.exp(steps * self._s(x)) * (1 << 20)).astype(np.int32)
        else:
            qp = P.activation_qparams(*self.ranges[node.outputs[0]])
            y = elementwise(node.op, real, node.options)
            table = np.clip(np.rint(y / np.float64(qp.scale[0])) + int(qp.zero_point[0]), -128, 127).astype(np.int8)
        return [x, self.g.add_constant(f"{node.outputs[0]}_table", table)], qp, {}

    def _weighted(self, node, qp_out):
        """CONV2D, FULLY_CONNECTED: per-channel int8 weights, an int32 bias."""
        ins, src = node.inputs, node.source
        x = self._int8_of(ins[0])
        wq, wqp = P.weight_per_channel(self.g.tensors[ins[1]].data, 0)
        wname = self.g.add_constant(ins[1] + "_q", wq)
        self.g.tensors[wname].quant = wqp
        new_ins = [x, wname]
        if len(ins) > 2 and ins[2] is not None:
            # INT32 at scale x_scale * w_scale[c], zero point 0: implied by its
            # operator, so the bias carries no Quantization table of its own.
            bq = P.bias_int32(self.g.tensors[ins[2]].data, self._s(x), wqp.scale)
            new_ins.append(self.g.add_constant(ins[2] + "_q", bq))
        reals = np.float64(self._s(x)) * wqp.scale.astype(np.float64) / np.float64(qp_out.scale[0])
        quant = dict(zip(("multiplier", "shift"), P.multipliers(reals, f"{node.op} at {src or node.outputs[0]}")))
        return new_ins, quant

    def _add_sub(self, node, qp_out):
        a, b = self._int8_of(node.inputs[0]), self._int8_of(node.inputs[1])
        twice = 2.0 * max(self._s(a), self._s(b))
        reals = [self._s(a) / twice, self._s(b) / twice, twice / ((1 << ADD_LEFT_SHIFT) * float(qp_out.scale[0]))]
        return [a, b], {**dict(zip(("multiplier", "shift"), P.multipliers(reals, node.op))),
                        "left_shift": ADD_LEFT_SHIFT}

    def _product(self, node, qp_out):
        """MUL, BATCH_MATMUL: one rescale of the product of two int8 operands."""
        a, b = self._int8_of(node.inputs[0]), self._int8_of(node.inputs[1])
        real = self._s(a) * self._s(b) / float(qp_out.scale[0])
        return [a, b], dict(zip(("multiplier", "shift"), P.multipliers([real], node.op)))

    def _rescaled(self, node, qp_out):
        """CONCAT, pooling, REDUCE_MEAN: each input rescaled to the output's scale."""
        new_ins = [self._int8_of(n) for n in node.inputs]
        reals = [self._s(n) / float(qp_out.scale[0]) for n in new_ins]
        return new_ins, dict(zip(("multiplier", "shift"), P.multipliers(reals, node.op)))

    _REQUANTIZED = {"CONV2D": _weighted, "FULLY_CONNECTED": _weighted, "ADD": _add_sub, "SUB": _add_sub,
                    "MUL": _product, "BATCH_MATMUL": _product}
    _ACTIVATED = {"CONV2D", "FULLY_CONNECTED", "ADD", "SUB", "MUL"}   # a fused activation clamps

    def _emit_int8(self, node):
        if node.op in PASSTHROUGH:
            ins, qp, quant = self._passthrough(node)
        elif node.op in TABLE_OPS or node.op == "SOFTMAX":
            ins, qp, quant = self._table(node)
        else:
            qp = P.activation_qparams(*self.ranges[node.outputs[0]])
            ins, quant = self._REQUANTIZED.get(node.op, _Rewriter._rescaled)(self, node, qp)
            if node.op in self._ACTIVATED:
                quant["act_min"], quant["act_max"] = self._clamp(node.options.get("activation", 0), qp)
        out = self._new_output(node, qp)
        self.nodes.append(Node(node.op, ins, [out], dict(node.options), node.source, quant))

    def run(self) -> Graph:
        g = self.g
        decided = []
        for node in g.nodes:
            if self._wants_int8(node):
                # mark now so later decisions see this output as int8
                self.q_of[node.outputs[0]] = None
                decided.append(True)
            else:
                decided.append(False)
        self.q_of.clear()
        # Which int8 results are also needed as float (float consumers, method outputs).
        need_float = set(g.outputs)
        for node, q in zip(g.nodes, decided):
            if not q:
                need_float.update(n for n in node.inputs if n is not None)
        for node, q in zip(g.nodes, decided):
            if not q:
                self.nodes.append(node)
                continue
            self._emit_int8(node)
            out = node.outputs[0]
            if out in need_float:
                self.nodes.append(Node("DEQUANTIZE", [self.q_of[out]], [out], {}, node.source))
        g.nodes = self.nodes
        return g


def quantize_static(graph: Graph, ranges: dict) -> Graph:
    """Rewrite `graph` (in place) to int8 wherever the rules above allow; returns it."""
    if not ranges:
        raise ExportError("quantization needs calibration ranges (the calibration set is empty)")
    return _Rewriter(graph, ranges).run()
