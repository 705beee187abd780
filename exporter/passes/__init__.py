"""IR passes, one per file. Each takes a Graph and rewrites it in place."""
from exporter.passes.eliminate_dead import eliminate_dead
from exporter.passes.fold_batchnorm import fold_batchnorm
from exporter.passes.fuse_activation import fuse_activation
from exporter.passes.cancel_permutes import cancel_permutes

PIPELINE = [fold_batchnorm, fuse_activation, cancel_permutes, eliminate_dead]


def run_all(graph):
    for p in PIPELINE:
        p(graph)
    return graph
