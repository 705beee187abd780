"""REPLICATION_PAD: F.pad mode "replicate" on 2-D to 5-D inputs
(aten.replication_pad1d/2d/3d), nn.ReplicationPad1d/2d/3d, pads larger than the
dimension, a dimension of 1, rows past vector widths, int64 data, negative pads (torch
crops: the pad then a SLICE), a dynamic length; an empty padded dimension and bad pads
refused by both loaders; ONNX Pad mode edge. (The pads are kept from torch.export's
decompositions as in test_reflection_pad.py.)"""
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import runtime_py
from exporter import DynamicDim
from helpers import export_load
from oplib import Fn1, check_op
from test_reflection_pad import assert_refused_by_both, onnx_pad, with_pads

CASES = [((2, 17), (3, 5)), ((2, 3, 8), (9, 1)), ((1, 2, 33), (0, 40)), ((1, 2, 1, 6), (1, 2, 3, 0)),
         ((2, 3, 17, 4), (3, 3, 1, 1)), ((1, 2, 4, 5, 6), (1, 1, 2, 0, 1, 2)), ((1, 1, 1, 1, 1), (2, 2, 2, 2, 2, 2)),
         ((0, 3, 4), (1, 2))]


@pytest.mark.parametrize("shape,pad", CASES)
def test_replication_pad(shape, pad):
    check_op(lambda x: F.pad(x, pad, mode="replicate"), (torch.randn(shape),), "REPLICATION_PAD")


@pytest.mark.parametrize("module,shape", [(nn.ReplicationPad1d((3, 1)), (2, 4, 9)), (nn.ReplicationPad1d(2), (3, 5)),
                                          (nn.ReplicationPad2d((1, 0, 2, 3)), (1, 3, 5, 4)),
                                          (nn.ReplicationPad3d(1), (1, 2, 3, 4, 5))])
def test_replication_pad_modules(module, shape):
    check_op(module, (torch.randn(shape),), "REPLICATION_PAD")


def test_replication_pad_int64():
    check_op(lambda x: F.pad(x, (2, 3), mode="replicate"), (torch.randint(-9, 9, (2, 3, 7)),), "REPLICATION_PAD")


@pytest.mark.parametrize("pad", [(-1, 2), (2, -1), (3, -3), (-2, -1), (1, -1, -1, 2)])
def test_replication_pad_negative_pads_crop(pad):
    x = torch.arange(60.0).reshape(1, 2, 5, 6) if len(pad) == 4 else torch.arange(12.0).reshape(1, 2, 6)
    ops = check_op(lambda t: F.pad(t, pad, mode="replicate"), (x,), "SLICE")
    assert ("REPLICATION_PAD" in ops) == any(p > 0 for p in pad)


def test_replication_pad_dynamic_length():
    model = Fn1(lambda x: F.pad(x, (3, 2), mode="replicate"))
    check_op(model, (torch.randn(2, 3, 16),), "REPLICATION_PAD", dynamic=[DynamicDim("length", 2, 32)],
             extra_inputs=[(torch.randn(2, 3, 1),), (torch.randn(2, 3, 32),)])


def test_replication_pad_of_an_empty_dimension_is_refused():
    x = torch.randn(1, 2, 5)
    _, data = export_load(Fn1(lambda t: F.pad(t, (1, 2), mode="replicate")), (x,))    # output (1, 2, 8)
    assert_refused_by_both(with_pads(data, "REPLICATION_PAD", [0, 0, 0, 0, 6, 2], x_shape=[1, 2, 0]),
                           "empty dimension")
    assert_refused_by_both(with_pads(data, "REPLICATION_PAD", [0, 0, 0, 0, -1, 4]), "pads")
    assert_refused_by_both(with_pads(data, "REPLICATION_PAD", [0, 0, 0, 0, 3]), "pads")
    ok = with_pads(data, "REPLICATION_PAD", [0, 0, 0, 0, 7, 0], x_shape=[1, 2, 1])
    want = np.pad(x.numpy()[..., :1], [(0, 0), (0, 0), (7, 0)], mode="edge")
    for backend in ("py", "c"):
        np.testing.assert_array_equal(runtime_py.load(ok, backend=backend).run("forward", x.numpy()[..., :1])[0], want)


@pytest.mark.parametrize("pads", [[0, 2, 0, 7], [1, 0, 1, 4], [5, 1, 0, 9]])
def test_onnx_pad_edge(tmp_path, pads):
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    for got in onnx_pad(tmp_path, x, pads, "edge"):
        np.testing.assert_array_equal(got, np.pad(x, [(pads[0], pads[2]), (pads[1], pads[3])], mode="edge"))
