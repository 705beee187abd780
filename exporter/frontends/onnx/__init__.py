"""The ONNX front end: an .onnx model (opset >= 13) -> the Ember IR.

    graph, example_inputs = import_onnx("model.onnx", dims={"batch": (1, 8)})

model.py loads and prepares the model, importer.py traces and walks it, and the
ops_*.py handlers (registered in registry.py when imported here) map each node."""
import numpy as np

from exporter.frontends.onnx import (ops_compose, ops_index, ops_math, ops_nn, ops_order,  # noqa: F401  (registers the handlers)
                                     ops_spatial, ops_tensor)
from exporter.frontends.onnx.importer import import_onnx
from exporter.frontends.onnx.registry import TraceError

__all__ = ["import_onnx", "imported", "TraceError"]


def imported(path, dims=None, progress=lambda text: None):
    """The neutral front-end result of the ONNX model at `path`: imported at the largest
    sizes of `dims` ({name: (min, max)}), onnx's reference evaluator as the reference."""
    import onnx
    from onnx.reference import ReferenceEvaluator

    from exporter.frontends import Imported

    progress(f"importing {path} (ONNX)" + (f", sizes {', '.join(f'{k} {lo}..{hi}' for k, (lo, hi) in dims.items())}"
                                           if dims else ""))
    graph, examples = import_onnx(path, dims=dims)

    def reference(inputs):
        model = onnx.load(path)
        names = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
        return [np.asarray(o) for o in ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))]

    sizes = [{"name": k, "min": lo, "max": hi} for k, (lo, hi) in (dims or {}).items()]
    return Imported(graph, [np.asarray(a) for a in examples], reference, path, sizes)
