"""RESIZE_NEAREST, NCHW: out[.., i, j] = x[.., min(floor(i * scale_h), H-1), min(floor(j * scale_w), W-1)],
scales as float32 products (torch's 'nearest', not 'nearest-exact')."""
import numpy as np


def _source(out_size, in_size, scale):
    idx = np.floor(np.arange(out_size, dtype=np.float32) * np.float32(scale)).astype(np.int64)
    return np.minimum(idx, in_size - 1)


def resize_nearest(x, out, *, align_corners=False, scale_h=0.0, scale_w=0.0):
    oh, ow = out.shape[2:]
    rows = _source(oh, x.shape[2], scale_h or x.shape[2] / oh)
    cols = _source(ow, x.shape[3], scale_w or x.shape[3] / ow)
    out[...] = x[:, :, rows][:, :, :, cols]
