"""Window extraction shared by the pooling kernels."""
import numpy as np
from numpy.lib.stride_tricks import as_strided


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
