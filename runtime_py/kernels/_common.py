"""Helpers shared by kernels: fused activations and erf."""
import numpy as np

NONE, RELU, RELU6 = 0, 1, 2


def apply_activation(out: np.ndarray, activation: int) -> None:
    """Clamp `out` in place for a fused activation (schema Activation enum)."""
    if activation == RELU:
        np.maximum(out, 0, out=out)
    elif activation == RELU6:   # (np.clip's Python wrapper costs more than two ufuncs)
        np.maximum(out, 0, out=out)
        np.minimum(out, 6, out=out)


def erf(x: np.ndarray) -> np.ndarray:
    """erf in float64: the Maclaurin series below |x| = 4, the asymptotic expansion of
    erfc above; |error| < 1e-9 everywhere (numpy has no erf; math.erf is per element)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    # For |x| < 4 the Maclaurin series converges fast enough in float64; beyond,
    # the asymptotic complement is accurate.
    small = a < 4.0
    out = np.empty_like(a)
    xs = a[small]
    term = xs.copy()
    total = xs.copy()
    x2 = xs * xs
    for n in range(1, 90):
        term = term * (-x2) / n
        total = total + term / (2 * n + 1)
    out[small] = total * (2.0 / np.sqrt(np.pi))
    xl = a[~small]
    # erfc(x) ~ exp(-x^2)/(x sqrt(pi)) * (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + 105/(16x^8))
    inv = 1.0 / (xl * xl)
    series = 1 - inv / 2 + 3 * inv ** 2 / 4 - 15 * inv ** 3 / 8 + 105 * inv ** 4 / 16
    out[~small] = 1.0 - np.exp(-xl * xl) / (xl * np.sqrt(np.pi)) * series
    return np.sign(x) * out
