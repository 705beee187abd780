"""The operator table: for every OpCode, its options table and arity.

This list drives the serializer, both runtimes' verification and the test
parametrization; a test checks that it covers the schema's OpCode enum exactly.
Semantics are written in schema/README.md.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class OpSpec:
    name: str
    options: str | None      # options table name, or None
    min_inputs: int
    max_inputs: int
    outputs: int = 1


def _spec(name, options, lo, hi=None, outputs=1):
    return OpSpec(name, options, lo, lo if hi is None else hi, outputs)


_BINARY = ["ADD", "SUB", "MUL", "DIV", "POW", "MAXIMUM", "MINIMUM", "EQUAL", "NOT_EQUAL",
           "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL", "LOGICAL_AND", "LOGICAL_OR"]
_UNARY = ["LOGICAL_NOT", "EXP", "LOG", "SQRT", "RSQRT", "NEG", "ABS", "ERF", "RESHAPE", "CAST"]
# Elementwise ops that run on int8 by a 256-entry table (input 1, INT8, built at export).
TABLE_OPS = frozenset({"RELU", "SIGMOID", "TANH", "HARDSWISH", "GELU", "CLAMP"})

SPECS = {s.name: s for s in [
    _spec("CONV2D", "Conv2DOptions", 2, 4),            # x, weight, [bias], [residual] (added in 2.1)
    _spec("FULLY_CONNECTED", "FullyConnectedOptions", 2, 3),
    _spec("BATCH_MATMUL", None, 2),
    *[_spec(n, "BinaryOptions", 2) for n in _BINARY],
    _spec("WHERE", None, 3),
    *[_spec(n, None, 1) for n in _UNARY],
    *[_spec(n, None, 1, 2) for n in ["RELU", "SIGMOID", "TANH", "HARDSWISH"]],   # x, [int8 table]
    _spec("CLAMP", "ClampOptions", 1, 2),
    _spec("GELU", "GeluOptions", 1, 2),
    _spec("SOFTMAX", "AxisOptions", 1, 2),              # x, [INT32 exp table, int8 only]
    _spec("LOG_SOFTMAX", "AxisOptions", 1),
    _spec("LAYER_NORM", "LayerNormOptions", 1, 3),      # x, [weight], [bias]
    _spec("MAX_POOL2D", "Pool2DOptions", 1),
    _spec("AVG_POOL2D", "Pool2DOptions", 1),
    *[_spec(n, "ReduceOptions", 1) for n in ["REDUCE_MEAN", "REDUCE_SUM", "REDUCE_MAX", "REDUCE_ANY"]],
    _spec("CONCAT", "AxisOptions", 1, 64),
    _spec("SLICE", "SliceOptions", 1),
    _spec("PAD", "PadOptions", 1),
    _spec("PERMUTE", "PermuteOptions", 1),
    _spec("EXPAND", None, 1),
    _spec("GATHER", "AxisOptions", 2),                   # data, indices
    _spec("ARANGE", "ArangeOptions", 0),
    _spec("FULL", "FullOptions", 0),
    _spec("RESIZE_NEAREST", "ResizeOptions", 1),
    _spec("RESIZE_BILINEAR", "ResizeOptions", 1),
    _spec("CUMSUM", "AxisOptions", 1),
    _spec("QUANTIZE", None, 1),
    _spec("DEQUANTIZE", None, 1),
]}

# Ops with an int8 kernel (runtime_py/kernels/int8, runtime_c/src/ops/int8): an
# operator runs it when its output is INT8, reading the operator's QuantParams.
# Views and data movement (RESHAPE, PERMUTE, SLICE, EXPAND, GATHER) are dtype-generic
# and need none.
INT8_OPS = frozenset({"CONV2D", "FULLY_CONNECTED", "BATCH_MATMUL", "ADD", "SUB", "MUL", "AVG_POOL2D",
                      "MAX_POOL2D", "REDUCE_MEAN", "CONCAT", "PAD", "SOFTMAX"}) | TABLE_OPS

# Ops whose second input is a lookup table of their int8 kernel (TABLE_OPS: 256 INT8
# entries, SOFTMAX: 256 INT32): a float operator has no such input.
INT8_TABLE_INPUT = TABLE_OPS | frozenset({"SOFTMAX"})

# Data movement that may carry the QuantParams of the int8 graph it sits in while its
# operands are float (or any dtype); every other float operator has none.
QUANT_PASSTHROUGH = frozenset({"RESHAPE", "PERMUTE", "SLICE", "EXPAND", "GATHER"})

# Ops whose output shares its input's storage (no data movement).
VIEW_OPS = frozenset({"RESHAPE"})

# Inputs that may be absent (index -1), by position.
OPTIONAL_INPUTS = {"CONV2D": {2, 3}, "FULLY_CONNECTED": {2}, "LAYER_NORM": {1, 2}}

# Ops that take an INT8 weight (input 1, per output channel) with FLOAT32 input and
# output: --quantize int8-dynamic / int8-weight-only.
INT8_WEIGHT_OPS = frozenset({"FULLY_CONNECTED"})

# Ops whose every operand is FLOAT32 (unless the op runs its int8 kernel), and ops
# whose output is BOOL (checked at load).
FLOAT_ONLY = frozenset({"CONV2D", "FULLY_CONNECTED", "SIGMOID", "TANH", "GELU", "EXP", "LOG", "SQRT",
                        "RSQRT", "ERF", "HARDSWISH", "SOFTMAX", "LOG_SOFTMAX", "LAYER_NORM",
                        "MAX_POOL2D", "AVG_POOL2D", "RESIZE_NEAREST", "RESIZE_BILINEAR", "CLAMP",
                        "REDUCE_MEAN"})
BOOL_OUT = frozenset({"EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL",
                      "LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT", "REDUCE_ANY"})
