"""RESIZE_BILINEAR, NCHW. Source coordinate of output index d: with align_corners,
d * (in - 1) / (out - 1); otherwise max((d + 0.5) * scale - 0.5, 0). Interpolate between
floor(src) and min(floor(src) + 1, in - 1). Arithmetic in float32, as torch does."""
import numpy as np

from runtime_py.kernels import _checks


def _axis(out_size, in_size, scale, align_corners):
    d = np.arange(out_size, dtype=np.float32)
    if align_corners:
        ratio = np.float32((in_size - 1) / (out_size - 1)) if out_size > 1 else np.float32(0)
        src = d * ratio
    else:
        src = np.maximum((d + np.float32(0.5)) * np.float32(scale) - np.float32(0.5), np.float32(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    frac = (src - i0).astype(np.float32)
    return i0, i1, frac


def resize_bilinear(x, out, *, align_corners=False, scale_h=0.0, scale_w=0.0):
    oh, ow = out.shape[2:]
    h0, h1, fh = _axis(oh, x.shape[2], scale_h or x.shape[2] / oh, align_corners)
    w0, w1, fw = _axis(ow, x.shape[3], scale_w or x.shape[3] / ow, align_corners)
    fh = fh[:, None]
    top = x[:, :, h0][:, :, :, w0] * (1 - fw) + x[:, :, h0][:, :, :, w1] * fw
    bottom = x[:, :, h1][:, :, :, w0] * (1 - fw) + x[:, :, h1][:, :, :, w1] * fw
    out[...] = top * (1 - fh) + bottom * fh


check = _checks.resize   # (N, C, H, W) to (N, C, OH, OW) by finite scales
