"""The operator table: every op in one place - its number (OPCODES), options table and
arity (SPECS), dtype and int8 rules (the sets below) and semantics (SEMANTICS).

This module drives the serializer, both runtimes' verification, the C runtime's
generated table (runtime_c/tools/gen_op_table.py), the `enum OpCode` of
schema/program.fbs and the "Operators" section of schema/README.md (schema/generate.py),
and the tests' parametrization.
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
_UNARY = ["LOGICAL_NOT", "EXP", "LOG", "SQRT", "RSQRT", "NEG", "ABS", "ERF", "RESHAPE", "CAST", "SIN",
          "COS", "TAN", "ASIN", "ACOS", "ATAN", "SINH", "COSH", "FLOOR", "CEIL", "ROUND", "SIGN", "LOG1P", "EXPM1",
          "ASINH", "ACOSH", "ATANH", "LOG2", "LOG10", "TRUNC"]
# Elementwise ops that run on int8 by a 256-entry table (input 1, INT8, built at export).
# TABLE_LOOKUP (2.4) is that kernel alone: any elementwise function of one int8 tensor
# (a chain such as ELU's or SiLU's, a trigonometric op, ...) that the exporter tabulates.
TABLE_OPS = frozenset({"RELU", "SIGMOID", "TANH", "HARDSWISH", "GELU", "CLAMP", "TABLE_LOOKUP"})

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
    _spec("GATHER_ELEMENTS", "AxisOptions", 2),          # data, indices
    _spec("SCATTER_ELEMENTS", "ScatterOptions", 3),      # data, indices, updates
    _spec("SCATTER_ND", "ScatterOptions", 3),            # data, indices, updates
    _spec("ARG_MAX", "ArgOptions", 1),
    _spec("ARG_MIN", "ArgOptions", 1),
    _spec("TOPK", "TopKOptions", 1),
    _spec("REDUCE_PROD", "ReduceOptions", 1),
    *[_spec(n, None, 2) for n in ["MOD", "FMOD", "ATAN2"]],
    _spec("CONV_TRANSPOSE2D", "Conv2DOptions", 2, 3),   # x, weight, [bias]
    _spec("GRID_SAMPLE", "GridSampleOptions", 2),        # x, grid
    _spec("REFLECTION_PAD", "PadOptions", 1),
    _spec("REPLICATION_PAD", "PadOptions", 1),
    _spec("TABLE_LOOKUP", None, 2),                      # x (INT8), table (256 INT8): int8 only
    _spec("INDEX_COPY", "AxisOptions", 3),               # state (in place), index, source
]}

# Ops with an int8 kernel (runtime_py/kernels/int8, runtime_c/src/ops/int8): an
# operator runs it when its output is INT8, reading the operator's QuantParams.
# Views and data movement (RESHAPE, PERMUTE, SLICE, EXPAND, GATHER) are dtype-generic
# and need none.
INT8_OPS = frozenset({"CONV2D", "FULLY_CONNECTED", "BATCH_MATMUL", "ADD", "SUB", "MUL", "AVG_POOL2D",
                      "MAX_POOL2D", "REDUCE_MEAN", "CONCAT", "PAD", "SOFTMAX", "CONV_TRANSPOSE2D"}) | TABLE_OPS

# Ops whose second input is a lookup table of their int8 kernel (TABLE_OPS: 256 INT8
# entries, SOFTMAX: 256 INT32): a float operator has no such input.
INT8_TABLE_INPUT = TABLE_OPS | frozenset({"SOFTMAX"})

# Data movement that may carry the QuantParams of the int8 graph it sits in while its
# operands are float (or any dtype); every other float operator has none.
QUANT_PASSTHROUGH = frozenset({"RESHAPE", "PERMUTE", "SLICE", "EXPAND", "GATHER"})

# The only ops whose operands may have a storage dtype (FLOAT16, FLOAT64: added in 2.3):
# CAST converts to and from them, data movement copies their bytes. Every other op refuses
# them at load (an importer computes in FLOAT32 between CASTs).
STORAGE_DTYPE_OPS = frozenset({"CAST", "RESHAPE", "PERMUTE", "SLICE", "CONCAT", "EXPAND", "GATHER"})

# Elementwise ops: out[i] is a function of the inputs at position i alone (numpy
# broadcasting). The int8 rewrite tabulates chains of them (TABLE_LOOKUP).
ELEMENTWISE = frozenset([n for n in _BINARY + _UNARY if n not in ("RESHAPE", "CAST")]
                        + ["WHERE", "MOD", "FMOD", "ATAN2"] + sorted(TABLE_OPS - {"TABLE_LOOKUP"}))

# Ops whose output shares its input's storage (no data movement).
VIEW_OPS = frozenset({"RESHAPE"})

# Inputs that may be absent (index -1), by position.
OPTIONAL_INPUTS = {"CONV2D": {2, 3}, "FULLY_CONNECTED": {2}, "LAYER_NORM": {1, 2}, "CONV_TRANSPOSE2D": {2}}

# Ops that take an INT8 weight (input 1, per output channel) with FLOAT32 input and
# output: --quantize int8-dynamic / int8-weight-only.
INT8_WEIGHT_OPS = frozenset({"FULLY_CONNECTED"})

# Ops whose every operand is FLOAT32 (unless the op runs its int8 kernel), and ops
# whose output is BOOL (checked at load).
FLOAT_ONLY = frozenset({"CONV2D", "FULLY_CONNECTED", "SIGMOID", "TANH", "GELU", "EXP", "LOG", "SQRT", "SIN",
                        "COS", "TAN", "ASIN", "ACOS", "ATAN", "SINH", "COSH", "FLOOR", "CEIL", "ROUND", "SIGN",
                        "LOG1P", "EXPM1", "ASINH", "ACOSH", "ATANH", "LOG2", "LOG10", "TRUNC",
                        "RSQRT", "ERF", "HARDSWISH", "SOFTMAX", "LOG_SOFTMAX", "LAYER_NORM",
                        "MAX_POOL2D", "AVG_POOL2D", "RESIZE_NEAREST", "RESIZE_BILINEAR", "CLAMP",
                        "REDUCE_MEAN", "ATAN2", "CONV_TRANSPOSE2D", "GRID_SAMPLE"})
BOOL_OUT = frozenset({"EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL",
                      "LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT", "REDUCE_ANY"})


# Every OpCode, in value order: an op's position is its number in the file format (the
# runtimes' kernel tables are indexed by it). Append only; never reorder. schema/generate.py
# writes the `enum OpCode` of schema/program.fbs from this list.
OPCODES = [
    "CONV2D", "FULLY_CONNECTED", "BATCH_MATMUL", "ADD", "SUB", "MUL", "DIV", "POW", "MAXIMUM",
    "MINIMUM", "EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL",
    "LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT", "WHERE", "RELU", "CLAMP", "SIGMOID", "TANH", "GELU",
    "EXP", "LOG", "SQRT", "RSQRT", "NEG", "ABS", "ERF", "HARDSWISH", "SOFTMAX", "LOG_SOFTMAX",
    "LAYER_NORM", "MAX_POOL2D", "AVG_POOL2D", "REDUCE_MEAN", "REDUCE_SUM", "REDUCE_MAX",
    "REDUCE_ANY", "CONCAT", "SLICE", "PAD", "RESHAPE", "PERMUTE", "EXPAND", "GATHER", "CAST",
    "ARANGE", "FULL", "RESIZE_NEAREST", "RESIZE_BILINEAR", "CUMSUM", "QUANTIZE", "DEQUANTIZE",
    "SIN", "COS", "TAN", "ASIN", "ACOS", "ATAN", "SINH",
    "COSH", "FLOOR", "CEIL", "ROUND", "SIGN", "LOG1P", "EXPM1",
    "ASINH", "ACOSH", "ATANH", "LOG2", "LOG10", "TRUNC",
    "GATHER_ELEMENTS", "SCATTER_ELEMENTS", "SCATTER_ND", "ARG_MAX", "ARG_MIN", "TOPK",
    "REDUCE_PROD", "MOD", "FMOD", "ATAN2", "CONV_TRANSPOSE2D", "GRID_SAMPLE",
    "REFLECTION_PAD", "REPLICATION_PAD", "TABLE_LOOKUP", "INDEX_COPY",
]

# What each op computes, the semantics every runtime implements (markdown). schema/generate.py
# writes them into schema/README.md, section "Operators".
SEMANTICS = {
    "CONV2D": """\
`x (N,C,H,W), weight (O,C/g,KH,KW), [bias (O)], [residual (N,O,OH,OW)] -> (N,O,OH,OW)`, float32.
`OH = (H + pad_top + pad_bottom - dilation_h*(KH-1) - 1) // stride_h + 1` (same for W).
Zero padding.
`out[n,o,i,j] = bias[o] + sum_{c in group(o), kh, kw} x[n,c,i*sh+kh*dh-pt, j*sw+kw*dw-pl] * w[o,c',kh,kw]`,
then `+ residual[n,o,i,j]` when given (a skip connection the exporter fused; added in 2.1:
a 2.0 runtime refuses the fourth input), then `activation`;
groups split C and O into `g` equal parts. 1-D convolutions are exported as CONV2D with H = 1.
An int8 CONV2D takes no residual.
""",
    "FULLY_CONNECTED": """\
`x (..., K), weight (N, K), [bias (N)] -> (..., N)`: `x @ weight^T + bias`, then `activation`.
A FLOAT32 constant weight may be stored `PANELS16` (see "Constant layouts"); the
arithmetic is the same.
""",
    "BATCH_MATMUL": """\
`a (..., M, K), b (..., K, N) -> (..., M, N)`; rank >= 2, batch dimensions broadcast.
""",
    "ADD": """\
`a + b`, broadcasting, then `activation` (BinaryOptions). Inputs and output share a dtype.
""",
    "SUB": """\
`a - b`, broadcasting.
""",
    "MUL": """\
`a * b`, broadcasting.
""",
    "DIV": """\
`a / b`, broadcasting; float true division (IEEE: x/0 is ±inf or NaN).
""",
    "POW": """\
`a ** b`, broadcasting, float.
""",
    "MAXIMUM": """\
Elementwise max, broadcasting (NaN propagates).
""",
    "MINIMUM": """\
Elementwise min, broadcasting (NaN propagates).
""",
    "EQUAL": """\
`a == b` -> BOOL, broadcasting. Inputs share a dtype (the exporter casts to torch's promoted type).
""",
    "NOT_EQUAL": """\
`a != b` -> BOOL.
""",
    "LESS": """\
`a < b` -> BOOL.
""",
    "LESS_EQUAL": """\
`a <= b` -> BOOL.
""",
    "GREATER": """\
`a > b` -> BOOL.
""",
    "GREATER_EQUAL": """\
`a >= b` -> BOOL.
""",
    "LOGICAL_AND": """\
BOOL `a and b`, broadcasting.
""",
    "LOGICAL_OR": """\
BOOL `a or b`, broadcasting.
""",
    "LOGICAL_NOT": """\
BOOL `not x`.
""",
    "WHERE": """\
`condition (BOOL), a, b -> condition ? a : b`, all three broadcast; `a`, `b` and the output share a dtype.
""",
    "RELU": """\
`max(x, 0)`; any numeric dtype.
""",
    "CLAMP": """\
`min(max(x, min), max)`, float32; a bound may be ±inf.
""",
    "SIGMOID": """\
`1 / (1 + exp(-x))`, computed without overflow for large |x|.
""",
    "TANH": """\
`tanh(x)`.
""",
    "GELU": """\
`tanh_approximation = false`: `x * (1 + erf(x / sqrt(2))) / 2`;
`true`: `x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) / 2`. Python computes in float64;
the C runtime in float32 within 8 ulp (erf) and 16 ulp (tanh form, |x| <= 3) of the exact value.
""",
    "EXP": """\
`exp(x)`.
""",
    "LOG": """\
`log(x)`; `log(0) = -inf`, negative -> NaN.
""",
    "SQRT": """\
`sqrt(x)`; negative -> NaN.
""",
    "RSQRT": """\
`1 / sqrt(x)`; `rsqrt(0) = inf`.
""",
    "NEG": """\
`-x`.
""",
    "ABS": """\
`|x|`.
""",
    "ERF": """\
The error function. (numpy has no erf: the Python kernel uses the Maclaurin
series below |x| = 4 and the asymptotic erfc expansion above, |error| < 1e-9.)
""",
    "HARDSWISH": """\
`x * min(max(x + 3, 0), 6) / 6`.
""",
    "SOFTMAX": """\
Along `axis`: `exp(x - max) / sum(exp(x - max))`. A slice that is entirely -inf gives NaN, as in torch.
""",
    "LOG_SOFTMAX": """\
Along `axis`: `(x - max) - log(sum(exp(x - max)))`.
""",
    "LAYER_NORM": """\
`x, [weight], [bias]`; normalizes over dimensions `[axis, rank)`:
`(x - mean) / sqrt(var + epsilon) * weight + bias`, with the biased variance
(divided by the count). `weight` and `bias` have the normalized shape.
""",
    "MAX_POOL2D": """\
NCHW; windows of `kernel_h x kernel_w` with stride, dilation and padding;
padding never wins (it is -inf). torch's `ceil_mode` is expressed as extra
`pad_bottom` / `pad_right` by the exporter. `count_include_pad` and `divisor` are unused.
""",
    "AVG_POOL2D": """\
NCHW; window sum divided by `divisor` if > 0, else by `kernel_h*kernel_w` when
`count_include_pad`, else by the number of window elements inside the
unpadded input. Padding is zero. (The exporter rejects torch's `ceil_mode`
when it changes the output size.)
""",
    "REDUCE_MEAN": """\
Mean over `axes` (sorted, distinct); `keep_dims` keeps them as size 1. float32.
""",
    "REDUCE_SUM": """\
Sum over `axes`.
""",
    "REDUCE_MAX": """\
Maximum over `axes`.
""",
    "REDUCE_ANY": """\
BOOL: any element true over `axes`.
""",
    "CONCAT": """\
Inputs (1..64) joined along `axis`; all other dimensions equal, one dtype.
""",
    "SLICE": """\
`out = x[start : start + step*(n-1) + 1 : step]` along `axis`, where `n` is the
output's size on `axis`; `start >= 0`, `step >= 1`, and the last index is inside `x`.
""",
    "PAD": """\
Constant padding with `value`; `pads = [before_0, after_0, before_1, after_1, ...]`, all >= 0.
""",
    "RESHAPE": """\
Same elements in row-major order, the output's shape. A view: the output
shares the input's arena bytes and no data moves.
""",
    "PERMUTE": """\
`out.shape[i] = x.shape[perm[i]]`; `perm` is a permutation of `0..rank-1`.
""",
    "EXPAND": """\
Broadcast `x` to the output's shape (numpy rules) and materialize it.
""",
    "GATHER": """\
`data, indices (INT64 or INT32) -> take(data, indices, axis)`:
`out.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:]`. An index in
`[-n, 0)` counts from the end; any index outside `[-n, n)` is a run-time error
(checked while running: it depends on data).
""",
    "CAST": """\
Convert to the output's dtype: float to integer truncates toward zero; to BOOL is `x != 0`.
FLOAT16 and FLOAT64 (2.3) convert through float64 (exact for every source), then to the
target in one step: a float type rounds to nearest, ties to even (as numpy), +-inf on
overflow; an integer by the float rule above.
""",
    "ARANGE": """\
No inputs; `out[i] = start + i * step` for `i` in `[0, n)`, `n` the output's size (computed in float64, then converted).
""",
    "FULL": """\
No inputs; every element is `value`.
""",
    "RESIZE_NEAREST": """\
NCHW; `out[.., i, j] = x[.., min(floor(i * scale_h), H-1), min(floor(j * scale_w), W-1)]`
with float32 products; `scale = 1/scale_factor` when the model gave one, else
`in/out` (torch's `nearest`, not `nearest-exact`).
""",
    "RESIZE_BILINEAR": """\
NCHW; the source coordinate of output index `d` is `d*(in-1)/(out-1)` with
`align_corners`, else `max((d + 0.5)*scale - 0.5, 0)`; interpolate between
`floor(src)` and `min(floor(src)+1, in-1)` in float32, rows then columns.
""",
    "CUMSUM": """\
Inclusive cumulative sum along `axis`.
""",
    "QUANTIZE": """\
FLOAT32 -> INT8 with the output's scale `s` and zero point `z`:
`out = clamp(rint(x / s) + z, -128, 127)`; `x / s` is one float32 division, `rint`
rounds half to even; the rounded value is clamped to [-512, 512] before the
integer conversion; NaN gives `z`.
""",
    "DEQUANTIZE": """\
INT8 -> FLOAT32 with the input's scale `s` and zero point `z`:
`out = float32(x - z) * s`, one float32 multiplication (the same bits in every runtime).
""",
    "SIN": """\
`sin(x)` elementwise, float32 (the C library's `sinf`; the runtimes agree within float
tolerance, not bit for bit).
""",
    "COS": """\
`cos(x)` elementwise, float32 (the C library's `cosf`).
""",
    "TAN": """\
`tan(x)` elementwise, float32 (`tanf`).
""",
    "ASIN": """\
`asin(x)` elementwise, float32 (`asinf`); NaN outside [-1, 1].
""",
    "ACOS": """\
`acos(x)` elementwise, float32 (`acosf`); NaN outside [-1, 1].
""",
    "ATAN": """\
`atan(x)` elementwise, float32 (`atanf`).
""",
    "SINH": """\
`sinh(x)` elementwise, float32 (`sinhf`); overflows to ±inf.
""",
    "COSH": """\
`cosh(x)` elementwise, float32 (`coshf`); overflows to inf.
""",
    "FLOOR": """\
`floor(x)` elementwise, float32: exact in every runtime.
""",
    "CEIL": """\
`ceil(x)` elementwise, float32: exact in every runtime.
""",
    "ROUND": """\
`round(x)` elementwise, float32, halves to even (`rintf` in the default rounding mode, as
torch.round): exact in every runtime.
""",
    "SIGN": """\
`(x > 0) - (x < 0)`: 1, -1, or +0 for ±0 and NaN (as torch.sign), float32: exact in every runtime.
""",
    "LOG1P": """\
`log(1 + x)` elementwise, float32, accurate near 0 (`log1pf`).
""",
    "EXPM1": """\
`exp(x) - 1` elementwise, float32, accurate near 0 (`expm1f`).
""",
    "ASINH": """\
`asinh(x)` elementwise, float32 (`asinhf`).
""",
    "ACOSH": """\
`acosh(x)` elementwise, float32 (`acoshf`); NaN below 1.
""",
    "ATANH": """\
`atanh(x)` elementwise, float32 (`atanhf`); ±inf at ±1, NaN beyond.
""",
    "LOG2": """\
`log2(x)` elementwise, float32 (`log2f`).
""",
    "LOG10": """\
`log10(x)` elementwise, float32 (`log10f`).
""",
    "TRUNC": """\
`trunc(x)`: rounded toward zero, float32: exact in every runtime.
""",
    "GATHER_ELEMENTS": """\
`data, indices (INT64 or INT32, the same rank) -> out` of `indices`' shape, the dtype of
`data`: `out[i] = data[i with i[axis] replaced by indices[i]]` (torch.gather, ONNX
GatherElements). Every dimension of `indices` but `axis` is at most `data`'s. An index in
`[-n, 0)` counts from the end (`n = data.shape[axis]`); any index outside `[-n, n)` is a
run-time error.
""",
    "SCATTER_ELEMENTS": """\
`data, indices (INT64 or INT32), updates -> out` of `data`'s shape and dtype; `indices` and
`updates` have one shape, of `data`'s rank, each dimension but `axis` at most `data`'s.
`out = data`, then for every position `i` of `indices` in row-major order:
`out[j] = reduce(out[j], updates[i])` with `j = i` but `j[axis] = indices[i]`; `reduction`
NONE assigns (a later position wins), ADD, MUL, MAX, MIN combine (float32 in that order;
integers wrap). Indices as in GATHER_ELEMENTS (outside `[-n, n)`: a run-time error).
""",
    "SCATTER_ND": """\
`data (rank r), indices (INT64 or INT32, rank q, last dimension k in [1, r]), updates ->
out` of `data`'s shape and dtype; `updates.shape = indices.shape[:-1] + data.shape[k:]`.
`out = data`, then for each index tuple `t = indices[p]` (p in row-major order) the slice
`out[t] = reduce(out[t], updates[p])` with `reduction` as in SCATTER_ELEMENTS (ONNX
ScatterND; torch index_put). Each index component counts from the end when negative;
outside `[-n, n)` is a run-time error.
""",
    "ARG_MAX": """\
The index (output INT64 or INT32) of the largest element along `axis`, the axis kept with
size 1 when `keep_dims`; the first such index, or the last with `select_last_index`. NaN is
larger than every number (the first NaN wins, as torch and numpy). Input FLOAT32 or an
integer dtype; the axis must not be empty.
""",
    "ARG_MIN": """\
As ARG_MAX with the smallest element; NaN still wins (as torch.argmin and numpy).
""",
    "TOPK": """\
`x -> indices` (INT64 or INT32) of the `k` largest (`largest`) or smallest elements along
`axis`, `k` = the output's size on `axis` (`0 <= k <= n`), in order: descending values for
`largest`, else ascending; equal values keep their input order (a stable sort); NaN
compares larger than every number. The values are `GATHER_ELEMENTS(x, indices)`:
torch.topk, torch.sort and ONNX TopK export as TOPK then GATHER_ELEMENTS. Input FLOAT32
or an integer dtype.
""",
    "REDUCE_PROD": """\
Product over `axes` (ReduceOptions); an empty axis gives 1. FLOAT32 multiplies in float32
(runtimes agree within float tolerance: the order may differ); integers in int64 with
wrap-around, then converted to the output's dtype.
""",
    "MOD": """\
Remainder with the sign of the divisor (torch.remainder, Python's `%`, ONNX Mod with
fmod=0), numpy broadcasting, one dtype for inputs and output. FLOAT32: `r = fmod(a, b)`,
then `r + b` where `r != 0` and the signs of `r` and `b` differ. Integers: exact; a zero
divisor is a run-time error.
""",
    "FMOD": """\
Remainder with the sign of the dividend (torch.fmod, C's `fmod`, ONNX Mod with fmod=1):
FLOAT32 `fmod(a, b)` (exact in every runtime); integers truncate (`a - b*trunc(a/b)`, and
`INT_MIN % -1` is 0); a zero integer divisor is a run-time error. Broadcasting as MOD.
""",
    "ATAN2": """\
`atan2(a, b)` elementwise with numpy broadcasting, float32 (`atan2f`): the angle of the
point `(b, a)`.
""",
    "CONV_TRANSPOSE2D": """\
`x (N,C,H,W), weight (C,O/g,KH,KW), [bias (O)] -> (N,O,OH,OW)`, float32 (torch's
ConvTranspose2d weight layout). Every input pixel scatters its kernel:
`out[n,o,i*sh - pt + kh*dh, j*sw - pl + kw*dw] += x[n,c,i,j] * w[c,o',kh,kw]` for `c` in
`o`'s group (`g` groups split C and O), positions outside the output dropped; then
`+ bias[o]`, then `activation`. `OH`, `OW` come from the output (so output padding is
implied); `pad_bottom`, `pad_right` are not used. 1-D transposed convolutions are
exported with H = 1.
""",
    "GRID_SAMPLE": """\
`x (N,C,H,W), grid (N,OH,OW,2) -> (N,C,OH,OW)`, float32 (torch.nn.functional.grid_sample,
ONNX GridSample 2-D). `grid[..., 0]` is x (width), `grid[..., 1]` is y, in [-1, 1]:
unnormalized to `((g + 1) / 2) * (size - 1)` with `align_corners`, else
`((g + 1) * size - 1) / 2`. `padding` ZEROS reads 0 outside; BORDER clamps the
coordinate to `[0, size - 1]`; REFLECTION reflects it about the edges (the corner centres
with `align_corners`, else the outer edges) then clamps. `mode` BILINEAR weighs the four
neighbours; NEAREST takes the one at the coordinate rounded half to even; BICUBIC weighs
4x4 neighbours with the cubic convolution kernel (A = -0.75), each tap read through
`padding` (ZEROS: 0 outside).
""",
    "REFLECTION_PAD": """\
`pads` as in PAD (`value` unused): the padding mirrors the input without repeating the
edge (numpy's `reflect`); each pad must be smaller than its dimension.
""",
    "REPLICATION_PAD": """\
`pads` as in PAD (`value` unused): the padding repeats the edge element (numpy's `edge`);
a padded dimension must not be empty.
""",
    "TABLE_LOOKUP": """\
int8 only (2.4): `out[i] = table[x[i] + 128]`, `x` and `out` quantized INT8 of one shape,
`table` (input 1) 256 INT8 values. The exporter builds the table by evaluating an
elementwise function of `x` (one op or a chain of them, such as ELU's) on the 256
dequantized values and quantizing the results with the output's parameters (a NaN
result maps to the output's zero point, an infinite one to -128 or 127). There is no
float form: a file with a non-INT8 output is refused.
""",
    "INDEX_COPY": """\
(2.4) An in-place update of a state tensor: input 0 and the output are the same STATE
tensor `dst`; `index` (input 1) a 1-D INT64 or INT32 tensor of `n` positions; `src`
(input 2) has `dst`'s shape and dtype but `n` along `axis`. For each `i < n`:
`dst[..., index[i], ...] = src[..., i, ...]` along `axis`, in order (a repeated position
keeps the last). Every position is checked when the operator runs: one outside
`[0, dst.shape[axis])` is an error and nothing is written. The only operator that may
write a STATE tensor; operators after it in the method read the updated values.
""",
}
