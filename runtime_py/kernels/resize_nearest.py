"""RESIZE_NEAREST, NCHW: out[.., i, j] = x[.., min(floor(i * scale_h), H-1), min(floor(j * scale_w), W-1)],
scales as float32 products (torch's 'nearest', not 'nearest-exact')."""
import numpy as np

from runtime_py.kernels import _checks


def _source(out_size, in_size, scale):
    with np.errstate(over="ignore"):   # a huge scale: inf, clamped to the last row as in C
        f = np.floor(np.arange(out_size, dtype=np.float32) * np.float32(scale))
    return np.minimum(f, np.float32(in_size - 1)).astype(np.int64)


def resize_nearest(x, out, *, align_corners=False, scale_h=0.0, scale_w=0.0):
    oh, ow = out.shape[2:]
    rows = _source(oh, x.shape[2], scale_h or x.shape[2] / oh)
    cols = _source(ow, x.shape[3], scale_w or x.shape[3] / ow)
    out[...] = x[:, :, rows][:, :, :, cols]


check = _checks.resize   # (N, C, H, W) to (N, C, OH, OW) by finite scales
