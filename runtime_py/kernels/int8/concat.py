"""CONCAT int8: input i contributes requantize(x_i - zp_i, m[i], s[i])."""
import numpy as np

from runtime_py.kernels._checks import require
from runtime_py.kernels.int8._checks import requantized
from runtime_py.kernels.int8._fixed import requantize


def concat(*tensors_and_out, q, axis):
    *tensors, out = tensors_and_out
    parts = [requantize(t.astype(np.int64) - q.zero_points[i], q.multiplier[i], q.shift[i], q.out_zero_point)
             for i, t in enumerate(tensors)]
    np.concatenate(parts, axis=axis, out=out)


def check(ins, out, quant, where):
    """Every input quantized, each with its own rescale to the output."""
    mult = requantized(ins, quant, where)
    require(len(mult) == len(ins), f"{where}: {len(mult)} multipliers for {len(ins)} inputs")
