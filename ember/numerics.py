"""Error figures of one array against a reference, as `ember validate` reports them."""
from __future__ import annotations

import numpy as np


def compare(reference: np.ndarray, got: np.ndarray, atol: float, rtol: float) -> dict:
    """Error figures of `got` against `reference` (allclose semantics for `ok`)."""
    if reference.shape != got.shape:
        return {"ok": False, "problem": f"shape {list(got.shape)} != {list(reference.shape)}"}
    r = reference.astype(np.float64).reshape(-1)
    g = got.astype(np.float64).reshape(-1)
    diff = np.abs(r - g)
    same_nonfinite = (~np.isfinite(r)) & (r == g)
    diff[same_nonfinite] = 0.0
    max_abs = float(diff.max()) if diff.size else 0.0
    rel = diff / np.maximum(np.abs(r), np.finfo(np.float32).tiny)
    max_rel = float(rel.max()) if rel.size else 0.0
    nr, ng = np.linalg.norm(r[np.isfinite(r)]), np.linalg.norm(g[np.isfinite(g)])
    cos = float(np.dot(r[np.isfinite(r) & np.isfinite(g)], g[np.isfinite(r) & np.isfinite(g)]) / (nr * ng)) \
        if nr > 0 and ng > 0 else float(nr == ng)
    ok = bool(np.all(diff <= atol + rtol * np.abs(r)))
    finite = np.isfinite(r) & np.isfinite(g)
    noise = float(np.sum((r[finite] - g[finite]) ** 2))
    signal = float(np.sum(r[finite] ** 2))
    sqnr = float("inf") if noise == 0 else (10 * np.log10(signal / noise) if signal > 0 else float("-inf"))
    return {"ok": ok, "max_abs": max_abs, "max_rel": max_rel, "cosine": cos, "sqnr": sqnr,
            "identical": bool(np.array_equal(reference, got))}
