"""Integer (int8) kernels: one per op, the readable reference for the C runtime's
ops/int8/. Each takes its operands, the output and `q` (the QuantArgs of the op:
zero points of its operands and the op's integer constants from the file); the
arithmetic is exactly schema/README.md's "Integer arithmetic". Each file's
`check(ins, out, quant, where)` holds the int8 rules of its op (_checks.py: shared ones)."""
from dataclasses import dataclass

import numpy as np


@dataclass
class QuantArgs:
    zero_points: list          # per input: int, or None for a non-int8 / absent operand
    out_zero_point: int
    scales: list               # per input: float32 scale or None (QUANTIZE/DEQUANTIZE use them)
    out_scale: float
    multiplier: np.ndarray     # int64 (n,) from Operator.quant
    shift: np.ndarray          # int64 (n,)
    act_min: int = -128
    act_max: int = 127
    left_shift: int = 0
    fill: int = 0
