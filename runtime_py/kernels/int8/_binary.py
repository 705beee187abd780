"""ADD and SUB int8 share this: each input is centred, shifted left by `left_shift`
and brought to a common scale with its own multiplier (multiplier[0], [1]); the sum
or difference is rescaled by multiplier[2] to the output."""
import numpy as np

from runtime_py.kernels._checks import require
from runtime_py.kernels.int8._checks import requantized
from runtime_py.kernels.int8._fixed import mbqm, requantize


def add_or_sub(a, b, out, q, sign):
    a1 = mbqm((a.astype(np.int64) - q.zero_points[0]) << q.left_shift, q.multiplier[0], q.shift[0])
    b1 = mbqm((b.astype(np.int64) - q.zero_points[1]) << q.left_shift, q.multiplier[1], q.shift[1])
    out[...] = requantize(a1 + sign * b1, q.multiplier[2], q.shift[2], q.out_zero_point, q.act_min, q.act_max)


def check(ins, out, quant, where):
    """Both inputs quantized; multipliers: input 0's, input 1's, the output's."""
    mult = requantized(ins, quant, where)
    require(len(mult) == 3, f"{where}: needs 3 multipliers, has {len(mult)}")
