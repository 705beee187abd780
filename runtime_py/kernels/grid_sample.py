"""GRID_SAMPLE: x (N, C, H, W), grid (N, OH, OW, 2) -> (N, C, OH, OW), float32, as torch's
grid_sampler_2d (its CPU kernel's float32 arithmetic, step by step):

  unnormalize   align_corners: (g + 1) * ((size - 1) / 2); else (g + 1) * (size / 2) - 0.5
  BORDER        clip: min(max(v, 0), size - 1), a NaN becoming 0
  REFLECTION    about low = 0 (align_corners) or -0.5, span s = 2 * (size - 1) or 2 * size:
                a = |v - low|, e = a - trunc(a / s) * s, min(e, s - e) + low, then clip;
                0 where the span is empty (size <= 1 with align_corners, else size 0)
  NEAREST       the pixel at the coordinate rounded half to even
  BILINEAR      the four pixels around it, weighted by the distances to the opposite sides
  BICUBIC       4x4 pixels from floor(v) - 1 of the raw (unpadded) coordinate, cubic
                convolution weights (A = -0.75); each tap's coordinate goes through
                `padding` on its own
A coordinate is read as the pixel trunc(v) when -1 < v < size, else as 0 (ZEROS outside)."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import dims, require
from schema import fb

F = np.float32
A = F(-0.75)


def grid_sample(x, grid, out, *, mode=0, padding=0, align_corners=False):
    n, c, h, w = x.shape
    gx, gy = grid[:, None, :, :, 0], grid[:, None, :, :, 1]   # (N, 1, OH, OW) each
    pad = _Pad(padding, align_corners)
    ux, uy = _unnormalize(gx, w, align_corners), _unnormalize(gy, h, align_corners)
    if mode == fb.SampleMode.BICUBIC:
        fx, fy = np.floor(ux), np.floor(uy)
        cx, cy = _cubic(ux - fx), _cubic(uy - fy)
        rows = []
        for i in range(4):
            ty = pad.coord(fy + F(i - 1), h)
            taps = [_read(x, ty, pad.coord(fx + F(j - 1), w)) for j in range(4)]
            rows.append(cx[0] * taps[0] + cx[1] * taps[1] + cx[2] * taps[2] + cx[3] * taps[3])
        res = cy[0] * rows[0] + cy[1] * rows[1] + cy[2] * rows[2] + cy[3] * rows[3]
    else:
        px, py = pad.coord(ux, w), pad.coord(uy, h)
        if mode == fb.SampleMode.NEAREST:
            res = _read(x, np.rint(py), np.rint(px))
        else:
            fx, fy = np.floor(px), np.floor(py)
            ex, sx = px - fx, F(1) - (px - fx)            # weight of the east / west column
            sy, ny = py - fy, F(1) - (py - fy)            # weight of the south / north row
            x0, y0 = _floor_index(fx, w), _floor_index(fy, h)
            res = (_take(x, y0, x0) * (ny * sx) + _take(x, y0, x0 + 1) * (ny * ex)
                   + _take(x, y0 + 1, x0) * (sy * sx) + _take(x, y0 + 1, x0 + 1) * (sy * ex))
    out[...] = res


def _unnormalize(g, size, align_corners):
    if align_corners:
        return (g + F(1)) * (F(size - 1) / F(2))
    return (g + F(1)) * (F(size) / F(2)) - F(0.5)


def _clip(v, size):
    v = np.where(v > 0, v, F(0))                          # a NaN becomes 0
    return np.where(v < F(size - 1), v, F(size - 1))


class _Pad:
    """A coordinate through `padding` (ZEROS: unchanged)."""

    def __init__(self, padding, align_corners):
        self.padding, self.align_corners = padding, align_corners

    def coord(self, v, size):
        if self.padding == fb.SamplePadding.BORDER:
            return _clip(v, size)
        if self.padding == fb.SamplePadding.REFLECTION:
            return _clip(self._reflect(v, size), size)
        return v

    def _reflect(self, v, size):
        low, span = (F(0), F(size - 1) * F(2)) if self.align_corners else (F(-0.5), F(size) * F(2))
        if (size <= 1 and self.align_corners) or size <= 0:
            return np.zeros_like(v)
        a = np.abs(v - low)
        e = a - np.trunc(a / span) * span
        return np.minimum(e, span - e) + low


def _cubic(t):
    """The four cubic convolution weights of taps -1, 0, 1, 2 at fraction t."""
    def outer(s):   # 1 < s < 2
        return ((A * s - F(5) * A) * s + F(8) * A) * s - F(4) * A

    def inner(s):   # s <= 1
        return ((A + F(2)) * s - (A + F(3))) * s * s + F(1)
    return outer(t + F(1)), inner(t), inner(F(1) - t), outer(F(2) - t)


def _floor_index(f, size):
    """An integral float as an int64; -2 outside [-1, size] (and for NaN), so that it and
    the next index are both outside the image there."""
    inside = (f >= -1) & (f <= F(size))
    return np.where(inside, f, F(-2)).astype(np.int64)


def _read(x, fy, fx):
    """x at float coordinates, each as the pixel trunc(v) when -1 < v < size; 0 elsewhere."""
    h, w = x.shape[2:]
    iy = np.trunc(np.where((fy > -1) & (fy < F(h)), fy, F(-1))).astype(np.int64)
    ix = np.trunc(np.where((fx > -1) & (fx < F(w)), fx, F(-1))).astype(np.int64)
    return _take(x, iy, ix)


def _take(x, iy, ix):
    """x[n, c, iy, ix] for integer index maps (N, 1, OH, OW), as (N, C, OH, OW); 0 outside."""
    n, c, h, w = x.shape
    inside = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
    if not (h and w):
        return np.zeros((n, c) + iy.shape[2:], F)
    planes = x.reshape(n, c, h * w)
    flat = np.where(inside, iy * w + ix, 0).reshape(n, 1, -1)           # (N, 1, OH*OW)
    v = np.take_along_axis(planes, np.broadcast_to(flat, (n, c, flat.shape[2])), axis=2)
    return np.where(inside, v.reshape((n, c) + iy.shape[2:]), F(0))


def check(ins, out, options, where, int8):
    """x (N, C, H, W), grid (N, OH, OW, 2), out (N, C, OH, OW); mode and padding in their enums."""
    x, g, y = dims(ins[0]), dims(ins[1]), dims(out)
    require(len(x) == 4 and len(g) == 4 and g[3] == 2,
            f"{where}: x must be (N, C, H, W) and grid (N, OH, OW, 2), got {x} and {g}")
    require(g[0] == x[0] and y == [x[0], x[1], g[1], g[2]],
            f"{where}: x {x} and grid {g} do not give output {y}")
    require(options.mode in (0, 1, 2), f"{where}: mode {options.mode} not in the SampleMode enum")
    require(options.padding in (0, 1, 2), f"{where}: padding {options.padding} not in the SamplePadding enum")
    _checks.same_dtype(ins, out, where, int8)
