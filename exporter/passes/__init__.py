"""IR passes, one per file. Each takes a Graph, rewrites it in place and returns it.

The export runs them in two groups (exporter/pipeline.py):

  OPTIMIZE  on the front end's float graph, before quantization:
            compute_in_float32 (FLOAT16/FLOAT64 are only stored, cast and moved),
            fold_batchnorm, fuse_activation, cancel_permutes, eliminate_dead
  FINISH    on the graph that is stored, after quantization:
            fuse_residual (skip connections into float convolutions: only the final
            graph may lose those tensors, calibration observes every one), then STORAGE
  STORAGE   what any graph needs before it is planned and serialized (the reference
            run's float graph too): fold_constant_views, copy_state_views, choose_layouts

Constant folding of ATen nodes is not a pass: the torch front end folds with torch
itself while lowering (exporter/frontends/torch/fold.py).
"""
from exporter.passes.cancel_permutes import cancel_permutes
from exporter.passes.choose_layouts import choose_layouts
from exporter.passes.compute_in_float32 import compute_in_float32
from exporter.passes.copy_state_views import copy_state_views
from exporter.passes.eliminate_dead import eliminate_dead
from exporter.passes.fold_batchnorm import fold_batchnorm
from exporter.passes.fold_constant_views import fold_constant_views
from exporter.passes.fuse_activation import fuse_activation
from exporter.passes.fuse_residual import fuse_residual

OPTIMIZE = [compute_in_float32, fold_batchnorm, fuse_activation, cancel_permutes, eliminate_dead]
STORAGE = [fold_constant_views, copy_state_views, choose_layouts]
FINISH = [fuse_residual] + STORAGE


def _run(passes, graph):
    for p in passes:
        graph = p(graph)
    return graph


def optimize(graph):
    return _run(OPTIMIZE, graph)


def prepare_storage(graph):
    return _run(STORAGE, graph)


def finish(graph):
    return _run(FINISH, graph)
