"""Constant layouts (`Tensor.layout`): the order of a constant's elements in the file.

PANELS16 stores a FLOAT32 (N, K) weight of FULLY_CONNECTED the way the C runtime's
GEMM micro-kernel reads it (panels of 16 output columns), so nothing is transposed at
run time:

    rows [0, 16)        -> (K, 16) row-major: W[0..15][0], W[0..15][1], ...
    rows [16, 32)       -> (K, 16) row-major
    ...                    (N // 16 groups)
    rows [N - N % 16, N) -> row-major, as they are

The exporter packs with `pack`; a reader that wants the (N, K) matrix back calls
`unpack` on the element sequence.
"""
from __future__ import annotations

import numpy as np

PANEL = 16


def pack(w: np.ndarray) -> np.ndarray:
    """The elements of the (N, K) matrix `w` in PANELS16 order (1-D)."""
    n, k = w.shape
    n16 = n - n % PANEL
    head = w[:n16].reshape(n16 // PANEL, PANEL, k).transpose(0, 2, 1)
    return np.concatenate([head.reshape(-1), w[n16:].reshape(-1)])


def unpack(flat: np.ndarray, shape) -> np.ndarray:
    """The (N, K) matrix whose PANELS16 elements are `flat` (a new array)."""
    n, k = (int(d) for d in shape)
    n16 = n - n % PANEL
    head = flat[:n16 * k].reshape(n16 // PANEL, k, PANEL).transpose(0, 2, 1).reshape(n16, k)
    return np.concatenate([head, flat[n16 * k:].reshape(n - n16, k)])
