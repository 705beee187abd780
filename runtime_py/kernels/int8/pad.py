"""PAD int8: input and output share their quantization; padding is the byte `fill`
(the quantized pad value, computed at export)."""
import numpy as np

from runtime_py.kernels._checks import require
from runtime_py.kernels.int8._checks import requantized


def pad(x, out, *, q, pads, value=0.0):
    width = [(int(pads[2 * i]), int(pads[2 * i + 1])) for i in range(x.ndim)]
    out[...] = np.pad(x, width, constant_values=np.int8(q.fill))


def check(ins, out, quant, where):
    """A quantized input (the output shares its quantization); `fill` a byte."""
    requantized(ins[:1], quant, where)
    require(-128 <= quant.fill <= 127, f"{where}: fill {quant.fill} outside int8")
