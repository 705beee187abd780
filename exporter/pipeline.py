"""The export, stage by stage. A front end (exporter/frontends) hands over an Imported;
then each stage takes the graph and returns it:

    passes      optimize the float graph                      passes.optimize
    quantize    to int8, when asked (calibration first)       quantize/
    finish      final fusions and constant layouts            passes.finish
    plan        arena offsets                                 memory_plan.plan
and last the program is assembled:
    bundle      a test case: the example inputs and their expected outputs
    serialize   the FlatBuffer bytes                          serialize.py

Where a stage needs numbers from its own graph it asks exporter/reference.py.
"""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from functools import partial

from ember import __version__
from exporter.errors import ExportError
from exporter.frontends import Imported
from exporter.memory_plan import plan
from exporter.options import ExportOptions, QuantMode
from exporter.passes import finish, optimize
from exporter.reference import Reference
from exporter.serialize import MethodSpec, TestCase, serialize

# Ops whose results are the same bits in every runtime (besides int8 kernels).
EXACT_OPS = {"QUANTIZE", "DEQUANTIZE", "RESHAPE", "PERMUTE", "SLICE", "EXPAND", "GATHER", "CONCAT", "PAD"}


class Progress:
    """`[step/total] text (seconds)` lines on stderr when enabled."""

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total, self.step, self.t0 = enabled, total, 0, time.perf_counter()

    def __call__(self, text):
        self.step += 1
        if self.enabled:
            print(f"[{self.step}/{self.total}] {text} ({time.perf_counter() - self.t0:.1f}s)",
                  file=sys.stderr, flush=True)


def steps(options: ExportOptions, front_end: int = 2) -> int:
    """How many progress lines an export prints: the front end's (capture and lower: 2; an
    ONNX import: 1), the stages below (quantize prints its own: calibrating and quantizing,
    or one line), bundling and serializing."""
    q = options.quantize
    return front_end + 3 + (2 if q is QuantMode.INT8 else 1 if q else 0) + (1 if options.bundle_test else 0) + 1


def quantize(graph, imported: Imported, options: ExportOptions, progress):
    """The float graph rewritten to int8 (exporter/quantize)."""
    from exporter.quantize import load_batches, observe, quantize_static
    from exporter.quantize.weights import quantize_weights
    mode = options.quantize
    if not mode.calibrated:
        progress(f"quantizing linear-layer weights to int8 ({mode.value})")
        if quantize_weights(graph, dynamic=mode is QuantMode.INT8_DYNAMIC) == 0:
            raise ExportError(f"--quantize {mode.value}: the model has no linear layer with a constant weight")
        return optimize(graph)
    batches = load_batches(options.calibration, imported.example_inputs)
    progress(f"calibrating on {len(batches)} batch(es), {options.observer} observer")
    ranges = observe(Reference(graph, options.method), batches, options.observer, progress=options.verbose)
    progress("quantizing to int8")
    return optimize(quantize_static(graph, ranges, keep_float=options.keep_float))


def stages(imported: Imported, options: ExportOptions, progress) -> list:
    """(progress text, stage) in order; each stage takes the graph and returns it."""
    out = [("running passes", optimize)]
    if options.quantize:
        out.append((None, partial(quantize, imported=imported, options=options, progress=progress)))
    return out + [("finishing: fusions, constant layouts", finish), ("planning memory", plan)]


def test_cases(graph, imported: Imported, options: ExportOptions) -> list:
    """The bundled test case. A float program expects the source framework's outputs; an
    int8 program its own integer results, exactly: a device checks that it does the same
    arithmetic bit for bit."""
    inputs = imported.example_inputs
    if not options.quantize:
        return [TestCase(inputs, imported.reference(inputs))]
    expected = Reference(graph, options.method).run(inputs, what="the example inputs")
    exact = all(n.op in EXACT_OPS or n.quant is not None for n in graph.nodes)
    return [TestCase(inputs, expected, *((0.0, 0.0) if exact else (1e-3, 1e-3)))]


def metadata(imported: Imported, options: ExportOptions) -> dict:
    import torch
    return {"producer": f"ember-exporter {__version__}", "torch": torch.__version__, "source": imported.source,
            "export_options": json.dumps({"method": options.method, "dynamic": imported.sizes,
                                          **options.recorded()}, sort_keys=True)}


def strip_debug(graph):
    """What only debugging reads: source lines and the eager mapping."""
    for node in graph.nodes:
        node.source = node.origin = node.module = ""
    for t in graph.tensors.values():
        t.eager = None


def method_spec(imported: Imported, options: ExportOptions, progress, name: str | None = None) -> MethodSpec:
    """One method of the program: the front end's graph through every stage, with its test case."""
    name = name or options.method
    options = dataclasses.replace(options, method=name)
    graph = imported.graph
    for text, stage in stages(imported, options, progress):
        if text:
            progress(text)
        graph = stage(graph)
    cases = []
    if options.bundle_test and imported.example_inputs:
        progress("bundling a test case")
        cases = test_cases(graph, imported, options)
    if options.strip_debug:
        strip_debug(graph)
    return MethodSpec(name, graph, cases)


def export(imported: Imported, options: ExportOptions, progress) -> bytes:
    """The program's bytes, from a front end's result."""
    spec = method_spec(imported, options, progress)
    progress("serializing")
    return serialize([spec], metadata(imported, options))


def export_methods(methods: dict, options: ExportOptions, progress) -> bytes:
    """One program with several methods ({name: Imported}, in order): each through every
    stage; they share the constant segment (identical weights stored once) and the program
    state (buffers of the same name)."""
    specs = []
    for name, imported in methods.items():
        progress(f"method '{name}'")
        specs.append(method_spec(imported, options, progress, name))
    progress("serializing")
    first = next(iter(methods.values()))
    meta = metadata(first, options)
    meta["methods"] = ",".join(methods)
    return serialize(specs, meta)
