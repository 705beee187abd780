"""An ONNX backend (onnx.backend.base.Backend) over Ember, so onnx's own backend test
suite can run against the Python runtime or the C runtime:

    import onnx.backend.test
    from exporter.onnx_backend import EmberBackend
    onnx.backend.test.BackendTest(EmberBackend, __name__)        # Python runtime
    onnx.backend.test.BackendTest(EmberCBackend, __name__)       # C runtime (libember.so)

prepare() imports the model (exporter/onnx_import.py), runs the passes and the memory
planner, serializes the program and loads it; run() feeds the inputs in graph order.
"""
from __future__ import annotations

import numpy as np
from onnx.backend.base import Backend, BackendRep

import runtime_py
from exporter.memory_plan import plan
from exporter.onnx_import import import_onnx
from exporter.passes import run_all
from exporter.serialize import MethodSpec, serialize


class EmberRep(BackendRep):
    def __init__(self, program):
        self.program = program

    def run(self, inputs, **kwargs):
        arrays = [np.asarray(i) for i in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
        return tuple(self.program.run("forward", *arrays))


class EmberBackend(Backend):
    runtime = "py"

    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        super().prepare(model, device, **kwargs)
        graph, _ = import_onnx(model)
        run_all(graph)
        plan(graph)
        data = serialize([MethodSpec("forward", graph)], {"source": "onnx backend"})
        return EmberRep(runtime_py.load(data, backend=cls.runtime))

    @classmethod
    def run_model(cls, model, inputs, device="CPU", **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def supports_device(cls, device):
        return device == "CPU"


class EmberCBackend(EmberBackend):
    runtime = "c"
