"""Window extraction and the check shared by the pooling kernels."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from runtime_py.kernels._checks import dims, pooled, require


def windows(x, out_hw, fill, *, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left,
            pad_bottom, pad_right, dilation_h=1, dilation_w=1):
    """(N, C, OH, OW, KH, KW) view of x padded with `fill`."""
    n, c, _, _ = x.shape
    oh, ow = out_hw
    xp = np.pad(x, ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right)),
                constant_values=fill)
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, (n, c, oh, ow, kernel_h, kernel_w),
                      (sn, sc, sh * stride_h, sw * stride_w, sh * dilation_h, sw * dilation_w),
                      writeable=False)


def check(ins, out, options, where, int8):
    """MAX_POOL2D, AVG_POOL2D: a rank-4 input, positive kernel and stride, padding >= 0,
    and the output's shape."""
    x, o = dims(ins[0]), options
    require(len(x) == 4 and o.kernelH >= 1 and o.kernelW >= 1 and o.strideH >= 1 and o.strideW >= 1,
            f"{where}: rank-4 input and positive kernel and stride required")
    require(min(o.padTop, o.padLeft, o.padBottom, o.padRight) >= 0, f"{where}: negative padding")
    want = x[:2] + [pooled(x[2], o.kernelH, o.strideH, o.padTop, o.padBottom, o.dilationH),
                    pooled(x[3], o.kernelW, o.strideW, o.padLeft, o.padRight, o.dilationW)]
    require(dims(out) == want, f"{where}: input {x} gives output {want}, not {dims(out)}")
