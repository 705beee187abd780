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
from types import SimpleNamespace

import numpy as np
import torch

from exporter.capture import Captured, DynamicDim, capture, capture_module
from exporter.errors import ExportError, UnsupportedOpsError
from exporter.lower import lower
from exporter.memory_plan import plan
from exporter.passes import run_all
from exporter.serialize import MethodSpec, TestCase, serialize

__version__ = "0.1.0"
__all__ = ["export_module", "export_captured", "export_spec", "export_onnx", "ExportError",
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
    if captured.program is None:               # an ONNX model: onnx's reference evaluator
        from onnx.reference import ReferenceEvaluator
        import onnx
        model = onnx.load(captured.source)
        names = [i.name for i in model.graph.input
                 if i.name not in {t.name for t in model.graph.initializer}]
        outs = ReferenceEvaluator(model).run(None, dict(zip(names, captured.example_inputs)))
        return [np.asarray(o) for o in outs]
    module = captured.model if captured.model is not None else captured.program.module()
    with torch.no_grad():
        out = module(*captured.example_inputs)
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [o.detach().numpy() for o in outs]


def _quantize(graph, captured, float_program, method, quantize, calibration, observer, progress, verbose):
    """The float graph rewritten to int8 from calibration ranges (exporter/quantize)."""
    from exporter.quantize import load_batches, observe, quantize_static
    if quantize in ("int8-dynamic", "int8-weight-only"):
        from exporter.quantize.weights import quantize_weights
        if calibration is not None:
            raise ExportError(f"--quantize {quantize} needs no calibration data (it quantizes weights only)")
        progress(f"quantizing linear-layer weights to int8 ({quantize})")
        if quantize_weights(graph, dynamic=quantize == "int8-dynamic") == 0:
            raise ExportError(f"--quantize {quantize}: the model has no linear layer with a constant weight")
        run_all(graph)
        return graph
    if quantize != "int8":
        raise ExportError(f"unknown quantization '{quantize}' (supported: int8, int8-dynamic, int8-weight-only)")
    if calibration is None:
        raise ExportError("--quantize int8 needs calibration data (--calibration DATA)")
    batches = load_batches(calibration, captured.example_inputs)
    progress(f"calibrating on {len(batches)} batch(es), {observer} observer")
    ranges = observe(float_program, batches, observer, method, progress=verbose)
    progress("quantizing to int8")
    quantize_static(graph, ranges)
    run_all(graph)
    return graph


def _serialize(graph, method, cases, captured, options):
    metadata = {"producer": f"ember-exporter {__version__}", "torch": torch.__version__,
                "source": captured.source,
                "export_options": json.dumps({"method": method, "dynamic": [
                    vars(d) for d in captured.dynamic], **options}, sort_keys=True)}
    return serialize([MethodSpec(method, graph, cases)], metadata)


def export_captured(captured: Captured, method: str = "forward", bundle_test: bool = True,
                    progress=None, quantize=None, calibration=None, observer: str = "minmax",
                    verbose: bool = False, graph=None) -> bytes:
    progress = progress or (lambda text: None)
    progress("lowering to Ember IR")
    graph = lower(captured) if graph is None else graph
    progress("running passes")
    run_all(graph)
    options = {}
    if quantize:
        float_graph = graph.copy()
        plan(float_graph, fuse=False)   # calibration observes every float tensor
        float_program = _serialize(float_graph, method, [], captured, {}) if quantize == "int8" else None
        graph = _quantize(graph, captured, float_program, method, quantize, calibration, observer,
                          progress, verbose)
        options = {"quantize": quantize, **({"observer": observer} if quantize == "int8" else {})}
    progress("planning memory")
    plan(graph)
    cases = []
    if bundle_test and captured.example_inputs:
        inputs = [t.detach().numpy() if hasattr(t, "detach") else np.asarray(t) for t in captured.example_inputs]
        if quantize:
            # The expected outputs of an int8 program are its own integer results,
            # exactly: a device checks that it does the same arithmetic bit for bit.
            import runtime_py
            bare = _serialize(graph, method, [], captured, options)
            expected = runtime_py.load(bare).run(method, *inputs)
            exact = all(n.op in _EXACT_OPS or n.quant is not None for n in graph.nodes)
            cases.append(TestCase(inputs, expected, *((0.0, 0.0) if exact else (1e-3, 1e-3))))
        else:
            cases.append(TestCase(inputs, _eager_outputs(captured)))
    elif bundle_test and captured.program is None and captured.example_inputs:   # ONNX
        cases.append(TestCase([np.asarray(a) for a in captured.example_inputs], _eager_outputs(captured)))
    progress("serializing")
    return _serialize(graph, method, cases, captured, options)


# Ops whose results are the same bits in every runtime (besides int8 kernels).
_EXACT_OPS = {"QUANTIZE", "DEQUANTIZE", "RESHAPE", "PERMUTE", "SLICE", "EXPAND", "GATHER", "CONCAT", "PAD"}


def export_module(model, example_inputs, method: str = "forward", dynamic=(),
                  bundle_test: bool = True, verbose: bool = False, quantize=None,
                  calibration=None, observer: str = "minmax") -> bytes:
    """Export an nn.Module called on `example_inputs`; returns the program's bytes.

    quantize="int8" with `calibration` (a .npy/.npz file or folder, `file.py:function`,
    or a list of input batches) gives a static int8 program; "int8-dynamic" and
    "int8-weight-only" quantize linear-layer weights only (no calibration)."""
    progress = _Progress(verbose, 7 if quantize else 5)
    progress("capturing with torch.export")
    captured = capture_module(model, tuple(example_inputs), list(dynamic), type(model).__name__)
    return export_captured(captured, method, bundle_test, progress, quantize, calibration, observer, verbose)


def export_onnx(path: str, method: str = "forward", bundle_test: bool = True, verbose: bool = False,
                quantize=None, calibration=None, observer: str = "minmax", dims=None) -> bytes:
    """Export an ONNX model file (opset >= 13); the bundled test case holds random inputs
    (at the largest sizes) and the outputs of onnx's reference evaluator. dims: {name:
    (min, max)} bounds the model's named dynamic dimensions."""
    from exporter.onnx_import import import_onnx
    progress = _Progress(verbose, 7 if quantize else 5)
    progress(f"importing {path} (ONNX)" + (f", sizes {', '.join(f'{k} {lo}..{hi}' for k, (lo, hi) in dims.items())}"
                                           if dims else ""))
    graph, examples = import_onnx(path, dims=dims)
    sizes = [SimpleNamespace(name=k, min=lo, max=hi) for k, (lo, hi) in (dims or {}).items()]
    captured = Captured(None, tuple(examples), None, path, sizes)
    return export_captured(captured, method, bundle_test, progress, quantize, calibration, observer, verbose,
                           graph=graph)


def export_spec(spec: str, method: str = "forward", dynamic=(), bundle_test: bool = True,
                verbose: bool = False, quantize=None, calibration=None, observer: str = "minmax",
                dims=None) -> bytes:
    """Export from a CLI model spec (`file.py:factory`, `module:factory`, `.pt2` or `.onnx`).
    dims ({name: (min, max)}) bounds an ONNX model's named dynamic dimensions."""
    if spec.endswith(".onnx"):
        if dynamic:
            raise ExportError("--batch-max/--seq-max are for PyTorch models; an ONNX model names its dynamic "
                              "dimensions: bound them with --dim NAME=MAX")
        return export_onnx(spec, method, bundle_test, verbose, quantize, calibration, observer, dims)
    if dims:
        raise ExportError("--dim is for ONNX models (their named dynamic dimensions); a PyTorch model takes "
                          "--batch-max/--seq-max")
    progress = _Progress(verbose, 7 if quantize else 5)
    progress(f"capturing {spec} with torch.export")
    captured = capture(spec, list(dynamic))
    return export_captured(captured, method, bundle_test, progress, quantize, calibration, observer, verbose)
