"""An ONNX backend (onnx.backend.base.Backend) over Ember, so onnx's own backend test
suite can run against the Python runtime or the C runtime:

    import onnx.backend.test
    from onnx_backend import EmberBackend              # tests/ on sys.path
    onnx.backend.test.BackendTest(EmberBackend, __name__)        # Python runtime
    onnx.backend.test.BackendTest(EmberCBackend, __name__)       # C runtime (libember.so)

prepare() imports the model (exporter/frontends/onnx), runs the export's stages
(exporter/pipeline.py: passes, finish, plan, serialize; no test case) and loads the
program; run() feeds the inputs in graph order. Used by tests only.

An Ember program has static shapes and options, fixed at export. A model that takes
such a value as a graph input (Reshape's shape, a reduction's axes, Pad's pads, a
Conv weight fed at run time) is compiled when run() first sees the inputs: exactly
those inputs are bound to their values (they become constants of the program and
leave its inputs), the rest stay run-time inputs, and a later run with different
bound values compiles again. A model whose every input would be bound is refused:
Ember would compute nothing at run time. The same holds for a model whose shapes
follow from input values (the shape trace then uses the real inputs).
"""
from __future__ import annotations

import numpy as np
from onnx.backend.base import Backend, BackendRep

import runtime_py
from exporter import ExportOptions
from exporter.errors import ExportError, UnsupportedOpsError
from exporter.frontends import Imported
from exporter.frontends.onnx import TraceError, import_onnx
from exporter.pipeline import export


def _compile(model, runtime, feeds=None, bind=None):
    graph, examples = import_onnx(model, feeds, bind)
    imported = Imported(graph, examples, reference=None, source="onnx backend")
    data = export(imported, ExportOptions(bundle_test=False), progress=lambda text: None)
    return runtime_py.load(data, backend=runtime)


class EmberRep(BackendRep):
    def __init__(self, model, runtime, program=None):
        self.model, self.runtime, self.program = model, runtime, program
        inits = {i.name for i in model.graph.initializer}
        self.input_names = [i.name for i in model.graph.input if i.name not in inits]
        self.bound: dict = {}        # input name -> the value the program was compiled for

    def _specialise(self, feeds):
        bind: dict = {}
        while True:
            try:
                self.program = _compile(self.model, self.runtime, feeds, bind)
                self.bound = bind
                return
            except UnsupportedOpsError as e:
                more = set(getattr(e, "needs_constant", ())) - set(bind)
                if not more:
                    raise
                bind.update({name: feeds[name] for name in more})
                if set(bind) >= set(self.input_names):
                    raise ExportError("every input of this model would have to be fixed at export time "
                                      "(Ember would compute nothing at run time):\n" + str(e)) from None

    def run(self, inputs, **kwargs):
        arrays = [np.asarray(i) for i in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
        feeds = dict(zip(self.input_names, arrays))
        if self.program is None or any(not np.array_equal(feeds[k], v) for k, v in self.bound.items()):
            self._specialise(feeds)
        runtime_inputs = [feeds[name] for name in self.input_names if name not in self.bound]
        return tuple(self.program.run("forward", *runtime_inputs))


class EmberBackend(Backend):
    runtime = "py"

    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        super().prepare(model, device, **kwargs)
        try:
            return EmberRep(model, cls.runtime, _compile(model, cls.runtime))
        except UnsupportedOpsError as e:
            if not getattr(e, "needs_constant", None):
                raise
        except TraceError:
            pass
        return EmberRep(model, cls.runtime)       # compiled by run(), from the real inputs

    @classmethod
    def run_model(cls, model, inputs, device="CPU", **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def supports_device(cls, device):
        return device == "CPU"


class EmberCBackend(EmberBackend):
    runtime = "c"
