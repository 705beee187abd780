"""Front ends: a model in some framework's form -> one neutral Imported (the Ember IR graph
and what the export needs beside it). The rest of the export never knows which front end
produced the graph.

    torch/   torch.export (core ATen) -> IR: capture.py, context.py, ops_*.py
    onnx/    an .onnx file -> IR: model.py, importer.py, ops_*.py
    builder.py  the IR patterns both front ends emit (batch norm as a channel affine, ...)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from exporter.ir import Graph


@dataclass
class Imported:
    """graph: the float IR graph. example_inputs: one numpy array per graph input.
    reference: the source framework's own outputs for a list of inputs (eager PyTorch,
    onnx's reference evaluator): a float program's bundled test case. source: where the
    model came from. sizes: the dynamic sizes, as recorded in the program's metadata."""
    graph: Graph
    example_inputs: list
    reference: Callable[[list], list]
    source: str
    sizes: list = field(default_factory=list)


def as_numpy(values) -> list:
    """Torch tensors or array-likes -> numpy arrays."""
    return [np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v) for v in values]


def registrar(table: dict):
    """A decorator factory for a front end's registry: @registrar(TABLE)(*keys) stores the
    function in TABLE under each key (ATen overloads, ONNX op types)."""
    def keys(*names):
        def register(fn):
            for name in names:
                table[name] = fn
            return fn
        return register
    return keys
