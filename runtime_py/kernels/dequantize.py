"""DEQUANTIZE: INT8 -> FLOAT32 with the input's scale s and zero point z:
out = float32(x - z) * s, one float32 multiplication (exact to the same bits everywhere)."""
import numpy as np

from runtime_py.kernels._checks import dims, per_tensor, require
from schema import fb


def dequantize(x, out, *, q):
    out[...] = (x.astype(np.int32) - q.zero_points[0]).astype(np.float32) * np.float32(q.scales[0])


def check(ins, out, options, where, int8):
    require(ins[0].dtype == fb.DType.INT8 and per_tensor(ins[0]) and out.dtype == fb.DType.FLOAT32
            and dims(ins[0]) == dims(out), f"{where}: per-tensor INT8 in, FLOAT32 out, same shape")
