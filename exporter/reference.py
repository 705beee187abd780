"""The reference run: the one place the exporter runs what it built.

Where the export needs numbers from its own graph (calibration ranges, the expected
outputs of an int8 program, the values of an int8 lookup table), it asks the Python
runtime (runtime_py, the readable reference every runtime agrees with) through this
module, and nowhere else. The data still flows one way: the graph is planned and
serialized like any program, then loaded.
"""
from __future__ import annotations

import inspect

import numpy as np

import runtime_py
from exporter.errors import ExportError
from exporter.memory_plan import plan
from exporter.passes import prepare_storage
from exporter.serialize import MethodSpec, serialize


class Reference:
    """`graph` (left untouched: a copy is planned) as a runtime_py method."""

    def __init__(self, graph, method: str = "forward"):
        g = plan(prepare_storage(graph.copy()))
        self.method = runtime_py.load(serialize([MethodSpec(method, g, [])], {})).method(method)
        self.input_names = [i["name"] for i in self.method.inputs]

    def run(self, inputs, trace=None, what: str = "reference run") -> list:
        """The outputs for `inputs` (numpy arrays); trace(k, op, out_names, arrays) sees every
        operator's outputs. Inputs the program refuses are an ExportError naming `what`."""
        try:
            return self.method.run(*inputs, trace=trace)
        except runtime_py.InputError as e:
            raise ExportError(f"{what}: {e}") from None


def elementwise(op: str, inputs: list, options: dict, out: np.ndarray) -> np.ndarray:
    """The float op `op` (SIGMOID, ADD, WHERE, ...) of `inputs` into `out` by the reference
    kernel, in out's precision (float64 for a table's 256 entries); returns `out`."""
    kernel = runtime_py.kernel(op)
    accepted = inspect.signature(kernel).parameters
    with np.errstate(all="ignore"):
        kernel(*inputs, out, **{k: v for k, v in options.items() if k in accepted})
    return out
