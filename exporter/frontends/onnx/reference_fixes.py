"""Two gaps of onnx's reference evaluator, which the importer traces a model with (the
shapes of every value) and which computes an ONNX export's bundled test case, filled for
the ops ops_spatial.py maps. Each wraps the evaluator's own kernel once; nothing else
changes.

  GridSample     knows only opset 20's mode names (linear, cubic): an opset 16 to 19 model
                 says bilinear and bicubic for the same sampling, and could not be traced.
  ConvTranspose  with groups slices the weight by output channels and adds the whole bias
                 to each group (right only for one output channel per group and no bias):
                 each group is run on its own slices and the results concatenated.
"""
from __future__ import annotations

import numpy as np

_OPSET20_NAMES = {"bilinear": "linear", "bicubic": "cubic"}


def install():
    try:
        from onnx.reference.ops.op_conv_transpose import ConvTranspose
        from onnx.reference.ops.op_grid_sample import GridSample
    except ImportError:          # no onnx: nothing to import with anyway
        return
    if not getattr(GridSample, "_ember_fixed", False):
        GridSample._run = _grid_sample(GridSample._run)
        GridSample._ember_fixed = True
    if not getattr(ConvTranspose, "_ember_fixed", False):
        ConvTranspose._run = _conv_transpose(ConvTranspose._run)
        ConvTranspose._ember_fixed = True


def _grid_sample(run):
    def _run(self, X, grid, mode=None, padding_mode=None, align_corners=None):  # noqa: N803 (onnx's names)
        mode = mode or self.mode
        mode = _OPSET20_NAMES.get(mode.decode() if isinstance(mode, bytes) else mode, mode)
        return run(self, X, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    return _run


def _conv_transpose(run):
    def _run(self, X, W, B=None, group=None, **attrs):  # noqa: N803 (onnx's names)
        group = int(group or 1)
        if group == 1:
            return run(self, X, W, B, group=1, **attrs)
        c, o = X.shape[1] // group, W.shape[1]
        parts = [run(self, X[:, g * c:(g + 1) * c], W[g * c:(g + 1) * c],
                     None if B is None else B[g * o:(g + 1) * o], group=1, **attrs)[0] for g in range(group)]
        return (np.concatenate(parts, axis=1).astype(X.dtype),)
    return _run
