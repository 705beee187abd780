"""Ember exporter: a trained PyTorch model -> one .ember program file.

    from exporter import export_module
    data = export_module(model, (example_input,))          # bytes of a .ember file

Pipeline (one module each): capture (torch.export, core ATen) -> lower (to the
Ember IR, folding constants) -> passes -> memory_plan -> serialize.
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch

from exporter.capture import Captured, DynamicDim, capture, capture_module
from exporter.errors import ExportError, UnsupportedOpsError
from exporter.lower import lower
from exporter.memory_plan import plan
from exporter.passes import run_all
from exporter.serialize import MethodSpec, TestCase, serialize

__version__ = "0.1.0"
__all__ = ["export_module", "export_captured", "export_spec", "ExportError",
           "UnsupportedOpsError", "DynamicDim", "__version__"]


class _Progress:
    def __init__(self, enabled, total):
        self.enabled, self.total, self.step, self.t0 = enabled, total, 0, time.perf_counter()

    def __call__(self, text):
        self.step += 1
        if self.enabled:
            print(f"[{self.step}/{self.total}] {text} ({time.perf_counter() - self.t0:.1f}s)",
                  file=sys.stderr, flush=True)


def _eager_outputs(captured: Captured):
    module = captured.model if captured.model is not None else captured.program.module()
    with torch.no_grad():
        out = module(*captured.example_inputs)
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [o.detach().numpy() for o in outs]


def export_captured(captured: Captured, method: str = "forward", bundle_test: bool = True,
                    progress=None) -> bytes:
    progress = progress or (lambda text: None)
    progress("lowering to Ember IR")
    graph = lower(captured)
    progress("running passes")
    run_all(graph)
    progress("planning memory")
    plan(graph)
    cases = []
    if bundle_test and captured.example_inputs:
        expected = _eager_outputs(captured)
        cases.append(TestCase([t.detach().numpy() for t in captured.example_inputs], expected))
    progress("serializing")
    metadata = {"producer": f"ember-exporter {__version__}", "torch": torch.__version__,
                "source": captured.source,
                "export_options": json.dumps({"method": method, "dynamic": [
                    vars(d) for d in captured.dynamic]}, sort_keys=True)}
    return serialize([MethodSpec(method, graph, cases)], metadata)


def export_module(model, example_inputs, method: str = "forward", dynamic=(),
                  bundle_test: bool = True, verbose: bool = False) -> bytes:
    """Export an nn.Module called on `example_inputs`; returns the program's bytes."""
    progress = _Progress(verbose, 5)
    progress("capturing with torch.export")
    captured = capture_module(model, tuple(example_inputs), list(dynamic), type(model).__name__)
    return export_captured(captured, method, bundle_test, progress)


def export_spec(spec: str, method: str = "forward", dynamic=(), bundle_test: bool = True,
                verbose: bool = False) -> bytes:
    """Export from a CLI model spec (`file.py:factory`, `module:factory` or `.pt2`)."""
    progress = _Progress(verbose, 5)
    progress(f"capturing {spec} with torch.export")
    captured = capture(spec, list(dynamic))
    return export_captured(captured, method, bundle_test, progress)
