"""Quantization parameters: activation ranges -> (scale, zero point), per-channel
weights, and real multipliers -> the fixed-point (multiplier, shift) pair."""
from __future__ import annotations

import math

import numpy as np

from exporter.errors import ExportError
from exporter.ir import QParams

# A tensor whose calibration range is a single value 0: any scale represents it
# exactly; this one keeps the multipliers of its consumers moderate.
ZERO_RANGE_SCALE = 1.0 / 255.0


def activation_qparams(lo: float, hi: float) -> QParams:
    """Asymmetric per-tensor int8 for values observed in [lo, hi] (0 always representable)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo <= 0.0:
        return QParams(np.array([ZERO_RANGE_SCALE], np.float32), np.array([0], np.int64))
    scale = np.float32((hi - lo) / 255.0)
    if scale == 0.0:                     # a range below float32's smallest step
        scale = np.float32(np.finfo(np.float32).tiny)
    zp = int(np.clip(round(-128.0 - lo / float(scale)), -128, 127))
    return QParams(np.array([scale], np.float32), np.array([zp], np.int64))


def quantize_array(x: np.ndarray, qp: QParams) -> np.ndarray:
    """Float -> int8 exactly as the runtimes' QUANTIZE does it (float32 division, rint)."""
    s = qp.scale.astype(np.float32)
    z = qp.zero_point
    if qp.axis >= 0:
        shape = [1] * x.ndim
        shape[qp.axis] = -1
        s, z = s.reshape(shape), z.reshape(shape)
    v = np.rint(x.astype(np.float32) / s)
    return np.clip(v.astype(np.int64) + z, -128, 127).astype(np.int8)


def quantize_table(values: np.ndarray, qp: QParams) -> np.ndarray:
    """A lookup table's results (float64) as int8 at per-tensor `qp`: rounded to nearest,
    clipped, a NaN to the zero point, an infinity to -128 or 127."""
    v = values / np.float64(qp.scale[0])
    v = np.where(np.isnan(v), 0.0, v)
    return np.clip(np.rint(v) + int(qp.zero_point[0]), -128, 127).astype(np.int8)


def weight_per_channel(w: np.ndarray, axis: int = 0):
    """Symmetric int8 per output channel (zero point 0, values in [-127, 127])."""
    reduce = tuple(d for d in range(w.ndim) if d != axis)
    amax = np.abs(w).max(axis=reduce) if w.size else np.zeros(w.shape[axis])
    scale = np.where(amax > 0, amax / 127.0, 1.0 / 127.0).astype(np.float32)   # an all-zero channel
    qp = QParams(scale, np.zeros(0, np.int64), axis)      # no zero points: all 0 (symmetric)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, qp


def bias_int32(b: np.ndarray, x_scale: float, w_scale: np.ndarray) -> np.ndarray:
    """The bias in int32 at scale x_scale * w_scale[c] (zero point 0)."""
    scale = np.float64(x_scale) * w_scale.astype(np.float64)
    return np.clip(np.rint(b.astype(np.float64) / scale), -(2**31), 2**31 - 1).astype(np.int32)


def multiplier(real: float, what: str = "") -> tuple:
    """(m, s) with real ~= m * 2^(s - 31), m in [2^30, 2^31) (or 0), s in [-31, 30]."""
    real = float(real)
    if not math.isfinite(real) or real < 0:
        raise ExportError(f"cannot quantize {what}: rescale factor {real}")
    if real == 0.0:
        return 0, 0
    mant, exp = math.frexp(real)
    m = int(round(mant * (1 << 31)))
    if m == (1 << 31):
        m //= 2
        exp += 1
    if exp < -31:
        return 0, 0
    if exp > 30:
        raise ExportError(f"cannot quantize {what}: rescale factor {real:g} is too large for int8 "
                          f"arithmetic (the calibration ranges of its operands differ by more than 2^30)")
    return m, exp


def multipliers(reals, what: str = "") -> tuple:
    pairs = [multiplier(r, what) for r in np.atleast_1d(reals)]
    return [p[0] for p in pairs], [p[1] for p in pairs]
