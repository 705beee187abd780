"""The PyTorch front end: a model -> torch.export (core ATen) -> the Ember IR.

    captured = capture_module(model, example_inputs)     # capture.py
    graph = lower(captured)                               # context.py + ops_*.py

Importing the ops_* modules registers their lowering functions (registry.py)."""
import numpy as np
import torch

from exporter.frontends import Imported, as_numpy
from exporter.frontends.torch import (ops_compose, ops_index, ops_math, ops_nn, ops_order,  # noqa: F401  (registers the lowerings)
                                      ops_spatial, ops_tensor)
from exporter.frontends.torch.capture import (Captured, capture, capture_entry, capture_methods, capture_module,
                                              entry, load_factory, share_state)
from exporter.options import DynamicDim
from exporter.frontends.torch.context import Lowering

__all__ = ["Captured", "DynamicDim", "capture", "capture_entry", "capture_methods", "capture_module", "entry",
           "imported", "load_factory", "lower", "share_state"]


def lower(captured: Captured):
    """The Ember IR graph of a captured program; every unsupported op is reported at once."""
    return Lowering(captured).run()


def imported(captured: Captured, progress=lambda text: None) -> Imported:
    """The neutral front-end result of a captured program: lowered, with eager PyTorch as
    the reference for the bundled test case."""
    progress("lowering to Ember IR")
    graph = lower(captured)

    def reference(inputs):
        """Eager outputs from the model's current buffers, which are left as they were: a model
        that updates a buffer (a KV cache) is not changed by exporting it, and each method's
        test case starts from the same state as the program's."""
        module = captured.model if captured.model is not None else captured.program.module()
        saved = {name: b.detach().clone() for name, b in module.named_buffers()}
        try:
            with torch.no_grad():
                out = module(*[torch.from_numpy(np.ascontiguousarray(a)) for a in inputs])
        finally:
            with torch.no_grad():
                for name, b in module.named_buffers():
                    b.copy_(saved[name])
        return as_numpy(out if isinstance(out, (tuple, list)) else [out])

    return Imported(graph, as_numpy(captured.example_inputs), reference, captured.source,
                    [{k: v for k, v in vars(d).items() if (k, v) not in (("multiple", 1), ("inputs", None))}
                     for d in captured.dynamic])
