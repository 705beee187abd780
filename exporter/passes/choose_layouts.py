"""Constant layouts: which weights are stored packed for the runtimes' kernels.

A FLOAT32 (N, K) constant with at least 16 rows that only FULLY_CONNECTED reads, as
its weight, is stored PANELS16 (schema/layout.py): the C runtime's GEMM then reads
its panels in place instead of transposing the weight on every run. Anything else
stays row-major: a method output, a constant another op reads, and a weight whose
bytes some other constant repeats (the file stores equal constants once; a tied
embedding table stays shared rather than stored twice).
"""
from __future__ import annotations

import hashlib

import numpy as np

from schema.layout import PANEL


def choose_layouts(graph):
    """Set graph.layouts: the constants not stored row-major (choose() below)."""
    graph.layouts = choose(graph)
    return graph


def choose(graph) -> dict:
    """constant name -> Layout name, for the constants not stored row-major."""
    users = graph.consumers()
    outputs = set(graph.outputs)

    def packable(name, t):
        if name in outputs or t.data.dtype != np.float32 or t.data.ndim != 2 or t.data.shape[0] < PANEL:
            return False
        reads = [(node.op, i) for node in users.get(name, []) for i, n in enumerate(node.inputs) if n == name]
        return bool(reads) and all(r == ("FULLY_CONNECTED", 1) for r in reads)

    by_content: dict = {}
    for name, t in graph.tensors.items():
        if t.is_constant:
            key = hashlib.sha256(np.ascontiguousarray(t.data).tobytes()).digest()
            by_content.setdefault(key, []).append((name, packable(name, t)))
    return {name: "PANELS16" for group in by_content.values() if all(ok for _, ok in group)
            for name, _ in group}
