"""Observers: run the float graph (exporter/reference.py) over the calibration batches
and record, for every tensor an operator writes, the range to quantize.

  minmax      the smallest and largest value seen (the default)
  percentile  the 0.01st and 99.99th percentiles of the values seen (clips rare outliers)
"""
from __future__ import annotations

import sys
import time

import numpy as np


METHODS = ("minmax", "percentile")
_SAMPLE = 1 << 16        # values kept per tensor and batch for the percentile observer


class _Range:
    def __init__(self):
        self.lo, self.hi, self.samples = np.inf, -np.inf, []

    def add(self, a, method, rng):
        if a.size == 0 or a.dtype.kind != "f":
            return
        self.lo = min(self.lo, float(np.min(a)))
        self.hi = max(self.hi, float(np.max(a)))
        if method == "percentile":
            flat = a.reshape(-1)
            if flat.size > _SAMPLE:
                flat = flat[rng.integers(0, flat.size, _SAMPLE)]
            self.samples.append(np.array(flat, np.float64))

    def result(self, method):
        if method == "percentile" and self.samples:
            v = np.concatenate(self.samples)
            v = v[np.isfinite(v)]
            if v.size:
                return float(np.percentile(v, 0.01)), float(np.percentile(v, 99.99))
        return self.lo, self.hi


def observe(reference, batches, method: str = "minmax", progress: bool = False) -> dict:
    """{tensor name: (lo, hi)} over every batch, for inputs and operator outputs; `reference`
    is the float graph as an exporter.reference.Reference."""
    names = reference.input_names
    ranges: dict = {}
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()

    def trace(_k, _op, out_names, arrays):
        for name, a in zip(out_names, arrays):
            ranges.setdefault(name, _Range()).add(a, method, rng)

    for b, batch in enumerate(batches):
        reference.run(batch, trace=trace, what=f"calibration batch {b}")
        for name, a in zip(names, batch):
            ranges.setdefault(name, _Range()).add(np.asarray(a), method, rng)
        if progress and (b + 1 == len(batches) or time.perf_counter() - t0 > 1.0):
            print(f"\r  calibrating: batch {b + 1}/{len(batches)}", end="\n" if b + 1 == len(batches) else "",
                  file=sys.stderr, flush=True)
    return {name: r.result(method) for name, r in ranges.items()}
