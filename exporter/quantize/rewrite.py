"""The static int8 rewrite: decide which operators run on int8, give every int8
tensor its quantization, and put QUANTIZE / DEQUANTIZE where int8 meets float.

An operator runs on int8 when it has an int8 kernel and
  * CONV2D, CONV_TRANSPOSE2D, FULLY_CONNECTED (constant weight) and BATCH_MATMUL: always;
  * ADD, SUB, MUL, CONCAT, pooling, REDUCE_MEAN: when one of its inputs is already int8;
  * views and data movement (RESHAPE, PERMUTE, SLICE, EXPAND, PAD and the reflection and
    replication pads, GATHER, GATHER_ELEMENTS, REDUCE_MAX) and SOFTMAX: when its input
    is int8;
and every float operand it touches had a finite calibration range. A pointwise region
(pointwise.py: elementwise operators computing a function of one tensor, such as ELU's
chain or a single SIGMOID) whose root is int8 becomes one table lookup per result read
outside it: the op itself with its table when the region is one table op (RELU, CLAMP,
SIGMOID, TANH, GELU, HARDSWISH), else TABLE_LOOKUP. ARG_MAX, ARG_MIN and TOPK (indices)
read an int8 input as it is (dequantizing is increasing, so they pick the same indices).
Everything else stays float, and so does every operator `keep_float` names. The method's
inputs and outputs stay float: the program quantizes on entry and dequantizes on exit,
so callers never see int8.
"""
from __future__ import annotations

import math

import numpy as np

from exporter.errors import ExportError
from exporter.ir import Graph, Node, QParams
from exporter.quantize import params as P
from exporter.quantize import pointwise
from schema.ops import TABLE_OPS

JOINING = {"ADD", "SUB", "MUL", "CONCAT", "AVG_POOL2D", "MAX_POOL2D", "REDUCE_MEAN"}
# Data movement: each output value is an input value (PAD: or its fill), so the input's
# quantization passes through. GATHER, GATHER_ELEMENTS: data is input 0.
PASSTHROUGH = {"RESHAPE", "PERMUTE", "SLICE", "EXPAND", "PAD", "REFLECTION_PAD", "REPLICATION_PAD",
               "GATHER", "GATHER_ELEMENTS", "REDUCE_MAX"}
# Float operators that read an int8 input as it is: only the order of its values matters.
ORDER_READERS = {"ARG_MAX", "ARG_MIN", "TOPK"}
WEIGHTED = {"CONV2D", "FULLY_CONNECTED", "CONV_TRANSPOSE2D"}
SOFTMAX_OUT = QParams(np.array([1.0 / 256.0], np.float32), np.array([-128], np.int64))
ADD_LEFT_SHIFT = 20


def _derived(node, op, inputs, outputs, options, quant=None) -> Node:
    """An operator standing for `node` (its int8 form, its DEQUANTIZE): same source and origin."""
    return Node(op, inputs, outputs, options, node.source, quant, node.origin, node.module)


def _named(node, graph, name: str) -> bool:
    """Whether `name` (a --keep-float entry) names `node`: its eager node, the eager value it
    computes, or a module path it ran in (that module or one inside it)."""
    eager = graph.tensors[node.outputs[0]].eager if node.outputs else None
    return name in (node.origin, eager) or (bool(node.module) and (node.module == name
                                                                    or node.module.startswith(name + ".")))


class _Rewriter:
    def __init__(self, graph: Graph, ranges: dict, keep_float=()):
        self.g = graph
        self.ranges = ranges
        self.keep = {id(n) for n in graph.nodes if any(_named(n, graph, k) for k in keep_float)}
        unmatched = [k for k in keep_float if not any(_named(n, graph, k) for n in graph.nodes)]
        if unmatched:
            raise ExportError(f"--keep-float: {', '.join(map(repr, unmatched))} names no operator (use the node "
                              f"or module names of `ember validate --per-layer`)")
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
        if node.op in WEIGHTED or node.op == "SOFTMAX" or node.op in PASSTHROUGH:
            return [node.inputs[0]]
        return [n for n in node.inputs if n is not None]

    def _wants_int8(self, node) -> bool:
        op, out = node.op, node.outputs[0]
        if id(node) in self.keep or len(node.outputs) != 1 or self.g.tensors[out].dtype != np.float32:
            return False
        data = self._data_inputs(node)
        if op in WEIGHTED:
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
        if op == "SOFTMAX":
            return self._is_q(data[0])
        return False

    def _region_wants_int8(self, region) -> bool:
        return (self._is_q(region.root) and all(self._finite_range(n) for n in region.exits)
                and not any(id(self.g.nodes[k]) in self.keep for k in region.nodes))

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
            self.g.tensors[qname].eager = t.eager
            self.nodes.append(Node("QUANTIZE", [name], [qname], {}, ""))
        self.g.tensors[qname].quant = qp
        self.q_of[name] = qname
        self.qp[qname] = qp
        return qname

    def _new_output(self, node, qp) -> str:
        out = node.outputs[0]
        qname = self.g.add_tensor(out + "_q", np.int8, self.g.tensors[out].dims)
        self.g.tensors[qname].quant = qp
        self.g.tensors[qname].eager = self.g.tensors[out].eager
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

    def _softmax(self, node):
        """SOFTMAX: a 256-entry table of exp (INT32), the output at scale 1/256."""
        x = self._int8_of(node.inputs[0])
        steps = np.arange(256, dtype=np.float64) - 255
        table = np.rint(np.exp(steps * self._s(x)) * (1 << 20)).astype(np.int32)
        return [x, self.g.add_constant(f"{node.outputs[0]}_table", table)], SOFTMAX_OUT, {}

    def _emit_region(self, region, k):
        """Node k of a pointwise region: a table lookup of the root for its result if that
        is read outside the region, nothing otherwise."""
        node = self.g.nodes[k]
        out = node.outputs[0]
        if out not in region.exits:
            return
        if region.root not in self._tables:
            x = self.q_of[region.root]
            real = (np.arange(-128, 128, dtype=np.float64) - self._zp(x)) * self._s(x)
            self._tables[region.root] = pointwise.tabulate(self.g, region, real)
        qp = P.activation_qparams(*self.ranges[out])
        table = P.quantize_table(self._tables[region.root][out], qp)
        ins = [self.q_of[region.root], self.g.add_constant(f"{out}_table", table)]
        single = len(region.nodes) == 1 and node.op in TABLE_OPS
        self.nodes.append(_derived(node, node.op if single else "TABLE_LOOKUP", ins, [self._new_output(node, qp)],
                                   dict(node.options) if single else {}))

    def _weighted(self, node, qp_out):
        """CONV2D, FULLY_CONNECTED, CONV_TRANSPOSE2D: per-channel int8 weights (CONV_TRANSPOSE2D:
        per weight axis 1, the output channel within a group), an int32 bias."""
        ins, src = node.inputs, node.source
        x = self._int8_of(ins[0])
        transposed = node.op == "CONV_TRANSPOSE2D"
        wq, wqp = P.weight_per_channel(self.g.tensors[ins[1]].data, 1 if transposed else 0)
        wname = self.g.add_constant(ins[1] + "_q", wq)
        self.g.tensors[wname].quant = wqp
        # the weight scale of each output channel
        w_scale = np.tile(wqp.scale, node.options.get("groups", 1)) if transposed else wqp.scale
        new_ins = [x, wname]
        if len(ins) > 2 and ins[2] is not None:
            # INT32 at scale x_scale * w_scale[c], zero point 0: implied by its
            # operator, so the bias carries no Quantization table of its own.
            bq = P.bias_int32(self.g.tensors[ins[2]].data, self._s(x), w_scale)
            new_ins.append(self.g.add_constant(ins[2] + "_q", bq))
        reals = np.float64(self._s(x)) * w_scale.astype(np.float64) / np.float64(qp_out.scale[0])
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

    _REQUANTIZED = {"CONV2D": _weighted, "FULLY_CONNECTED": _weighted, "CONV_TRANSPOSE2D": _weighted,
                    "ADD": _add_sub, "SUB": _add_sub, "MUL": _product, "BATCH_MATMUL": _product}
    _ACTIVATED = {"CONV2D", "FULLY_CONNECTED", "CONV_TRANSPOSE2D", "ADD", "SUB", "MUL"}   # a fused activation clamps

    def _emit_int8(self, node):
        if node.op in PASSTHROUGH:
            ins, qp, quant = self._passthrough(node)
        elif node.op == "SOFTMAX":
            ins, qp, quant = self._softmax(node)
        else:
            qp = P.activation_qparams(*self.ranges[node.outputs[0]])
            ins, quant = self._REQUANTIZED.get(node.op, _Rewriter._rescaled)(self, node, qp)
            if node.op in self._ACTIVATED:
                quant["act_min"], quant["act_max"] = self._clamp(node.options.get("activation", 0), qp)
        out = self._new_output(node, qp)
        self.nodes.append(_derived(node, node.op, ins, [out], dict(node.options), quant))

    def _reads_int8(self, node) -> bool:
        return node.op in ORDER_READERS and self._is_q(node.inputs[0])

    def run(self) -> Graph:
        g = self.g
        region_at = {k: reg for reg in pointwise.find(g) for k in reg.nodes}
        decided = []
        for k, node in enumerate(g.nodes):
            region = region_at.get(k)
            if region is not None and self._region_wants_int8(region):
                # mark now so later decisions see the region's results as int8
                decided.append(True)
                if node.outputs[0] in region.exits:
                    self.q_of[node.outputs[0]] = None
            elif self._wants_int8(node):
                self.q_of[node.outputs[0]] = None
                decided.append(True)
            else:
                decided.append(False)
        # Which int8 results are also needed as float (float consumers, method outputs).
        need_float = set(g.outputs)
        for node, q in zip(g.nodes, decided):
            if not q:
                need_float.update(n for n in node.inputs[1 if self._reads_int8(node) else 0:] if n is not None)
        self.q_of.clear()
        self._tables = {}
        for k, (node, q) in enumerate(zip(g.nodes, decided)):
            if not q:
                if self._reads_int8(node):
                    node = _derived(node, node.op, [self.q_of[node.inputs[0]]] + node.inputs[1:], node.outputs,
                                    node.options)
                self.nodes.append(node)
                continue
            if k in region_at:
                self._emit_region(region_at[k], k)
            else:
                self._emit_int8(node)
            out = node.outputs[0]
            if out in need_float and out in self.q_of:
                self.nodes.append(_derived(node, "DEQUANTIZE", [self.q_of[out]], [out], {}))
        g.nodes = self.nodes
        return g


def quantize_static(graph: Graph, ranges: dict, keep_float=()) -> Graph:
    """Rewrite `graph` (in place) to int8 wherever the rules above allow, except the
    operators `keep_float` names (see _named); returns it."""
    if not ranges:
        raise ExportError("quantization needs calibration ranges (the calibration set is empty)")
    return _Rewriter(graph, ranges, keep_float).run()
