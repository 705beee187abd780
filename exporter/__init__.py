"""Ember exporter: a trained PyTorch model (or an ONNX file) -> one .ember program file.

    from exporter import export_module
    data = export_module(model, (example_input,))          # bytes of a .ember file

A front end (exporter/frontends: torch.export + lowering, or the ONNX importer) gives the
Ember IR graph; the stages of exporter/pipeline.py (passes, quantize, finish, plan) each
take and return it; serialize.py writes the program. ExportOptions holds what the caller
asks for; QuantMode names the quantizations.
"""
from __future__ import annotations

from ember import __version__
from exporter.errors import ExportError, ExportWarning, UnsupportedOpsError
from exporter.options import DynamicDim, ExportOptions, QuantMode

__all__ = ["export_module", "export_methods", "export_captured", "export_spec", "export_onnx", "ExportOptions",
           "QuantMode", "ExportError", "ExportWarning", "UnsupportedOpsError", "DynamicDim", "__version__"]


def _options(options, kwargs) -> ExportOptions:
    """ExportOptions from an ExportOptions, or from the keyword arguments of the functions below."""
    if options is not None:
        if kwargs:
            raise TypeError(f"pass either options= or keyword options, not both ({', '.join(kwargs)})")
        return options
    return ExportOptions(**kwargs)


def _progress(options: ExportOptions, front_end: int = 2):
    from exporter.pipeline import Progress, steps
    return Progress(options.verbose, steps(options, front_end))


def export_captured(captured, options: ExportOptions | None = None, progress=None, **kwargs) -> bytes:
    """Export a captured program (exporter.frontends.torch.capture*). Options as for export_module."""
    from exporter.frontends.torch import imported
    from exporter.pipeline import export
    options = _options(options, kwargs)
    progress = progress or _progress(options)
    return export(imported(captured, progress), options, progress)


def export_module(model, example_inputs, dynamic=(), options: ExportOptions | None = None, **kwargs) -> bytes:
    """Export an nn.Module called on `example_inputs`; returns the program's bytes.

    dynamic: DynamicDim sizes. Options: an ExportOptions, or its fields as keywords:
    method, bundle_test, verbose, quantize ("int8" with `calibration` - a .npy/.npz file or
    folder, `file.py:function`, or a list of input batches - gives a static int8 program;
    "int8-dynamic" and "int8-weight-only" quantize linear-layer weights only), observer."""
    from exporter.frontends.torch import capture_module
    options = _options(options, kwargs)
    progress = _progress(options)
    progress("capturing with torch.export")
    captured = capture_module(model, tuple(example_inputs), list(dynamic), type(model).__name__)
    return export_captured(captured, options, progress)


def export_methods(methods: dict, dynamic=(), options: ExportOptions | None = None, **kwargs) -> bytes:
    """One program with several methods: {name: (nn.Module or bound method of one, example_inputs)},
    e.g. {"prefill": (model.prefill, (ids,)), "decode": (model.decode, (id, pos))}, or
    (fn, example_inputs, [DynamicDim, ...]) for a method with its own dynamic sizes (`dynamic`
    applies to the others). They share the module's weights (stored once) and its mutated
    buffers (the program state, kept across runs of any method). Options as for export_module
    (`method` is ignored)."""
    from exporter.frontends.torch import capture_entry, entry
    options = _options(options, kwargs)
    progress = _progress(options)
    captured = {}
    for name, spec in methods.items():
        if not (isinstance(spec, tuple) and len(spec) in (2, 3)):
            raise ExportError(f"method '{name}': expected (module or bound method, example_inputs[, dynamic])")
        fn, inputs, sizes = spec if len(spec) == 3 else (*spec, dynamic)
        progress(f"capturing method '{name}' with torch.export")
        inputs = (inputs,) if hasattr(inputs, "shape") else tuple(inputs)
        captured[name] = capture_entry(entry(fn, f"method '{name}'"), inputs, list(sizes), name)
    return _export_captured_methods(captured, options, progress)


def _export_captured_methods(captured: dict, options, progress) -> bytes:
    from exporter.frontends.torch import imported, share_state
    from exporter.pipeline import export_methods as export_all
    return export_all({name: imported(c, progress) for name, c in share_state(captured).items()}, options, progress)


def export_onnx(path: str, dims=None, options: ExportOptions | None = None, **kwargs) -> bytes:
    """Export an ONNX model file (opset >= 13); the bundled test case holds random inputs
    (at the largest sizes) and the outputs of onnx's reference evaluator. dims: {name:
    (min, max)} bounds the model's named dynamic dimensions. Options as for export_module."""
    from exporter.frontends import onnx
    from exporter.pipeline import export
    options = _options(options, kwargs)
    progress = _progress(options, front_end=1)      # importing is one line (PyTorch: capture, lower)
    return export(onnx.imported(path, dims, progress), options, progress)


def export_spec(spec: str, dynamic=(), dims=None, options: ExportOptions | None = None, **kwargs) -> bytes:
    """Export from a CLI model spec (`file.py:factory`, `module:factory`, `.pt2` or `.onnx`).
    dynamic: DynamicDim sizes of a PyTorch model; dims ({name: (min, max)}) bounds an ONNX
    model's named dynamic dimensions. Options as for export_module."""
    options = _options(options, kwargs)
    if spec.endswith(".onnx"):
        if dynamic:
            raise ExportError("--batch-max/--seq-max are for PyTorch models; an ONNX model names its dynamic "
                              "dimensions: bound them with --dim NAME=MAX")
        return export_onnx(spec, dims, options)
    if dims:
        raise ExportError("--dim is for ONNX models (their named dynamic dimensions); a PyTorch model takes "
                          "--batch-max/--seq-max")
    from exporter.frontends.torch import capture, capture_methods
    progress = _progress(options)
    progress(f"capturing {spec} with torch.export")
    methods = capture_methods(spec, list(dynamic))
    if methods is not None:
        return _export_captured_methods(methods, options, progress)
    return export_captured(capture(spec, list(dynamic)), options, progress)
