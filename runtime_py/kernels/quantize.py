"""QUANTIZE: FLOAT32 -> INT8 with the output's scale s and zero point z:
out = clamp(rint(x / s) + z, -128, 127), x / s in float32, rint rounding half to even;
NaN gives z."""
import numpy as np

from runtime_py.kernels._checks import dims, per_tensor, require
from schema import fb


def quantize(x, out, *, q):
    with np.errstate(invalid="ignore", over="ignore"):
        v = np.rint(x / np.float32(q.out_scale))
    v = np.nan_to_num(np.clip(v, -512, 512), nan=0.0)   # bounded before the integer conversion
    out[...] = np.clip(v.astype(np.int64) + q.out_zero_point, -128, 127)


def check(ins, out, options, where, int8):
    require(ins[0].dtype == fb.DType.FLOAT32 and out.dtype == fb.DType.INT8 and per_tensor(out)
            and dims(ins[0]) == dims(out), f"{where}: FLOAT32 in, per-tensor INT8 out, same shape")
