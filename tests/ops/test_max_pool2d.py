"""MAX_POOL2D: nn.MaxPool2d with square/rectangular kernels, stride, padding, dilation,
ceil_mode (including a last window starting in the padding), non-square inputs,
max_pool1d, and a dynamic batch."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from exporter import DynamicDim
from oplib import check_op

DYNAMIC = [DynamicDim("batch", 0, 8)]


@pytest.mark.parametrize("k,s,p,d,ceil,hw", [
    (2, None, 0, 1, False, (8, 8)),
    (3, 2, 1, 1, False, (9, 7)),
    ((3, 2), (2, 1), (1, 0), 1, False, (7, 6)),
    (3, 2, 0, 1, True, (8, 10)),          # ceil_mode adds a partial window
    (3, 2, 1, 1, True, (6, 6)),
    (2, 2, 1, 1, True, (5, 6)),
    (3, 1, 1, 2, False, (9, 9)),          # dilation
    (2, 3, 1, (2, 1), True, (10, 11)),
    (1, 2, 0, 1, False, (5, 5)),
])
def test_max_pool2d(k, s, p, d, ceil, hw):
    model = nn.MaxPool2d(k, s, p, d, ceil_mode=ceil)
    check_op(model, (torch.randn(2, 3, *hw),), "MAX_POOL2D")


def test_max_pool2d_negative_inputs_with_padding():
    # every value is negative: zero padding would win, -inf padding does not
    check_op(nn.MaxPool2d(3, 2, 1), (-torch.rand(1, 2, 5, 5) - 1,), "MAX_POOL2D")


@pytest.mark.parametrize("k,s,p", [(3, 2, 1), (2, None, 0)])
def test_max_pool1d(k, s, p):
    check_op(lambda x: F.max_pool1d(x, k, s, p), (torch.randn(2, 3, 11),), "MAX_POOL2D")


def test_max_pool2d_dynamic_batch():
    check_op(nn.MaxPool2d(3, 2, 1, ceil_mode=True), (torch.randn(4, 2, 7, 7),), "MAX_POOL2D",
             dynamic=DYNAMIC, extra_inputs=[(torch.randn(2, 2, 7, 7),)])


def test_max_pool2d_nan_wins_inside_and_at_the_edges():
    x = torch.randn(1, 2, 9, 40)
    x[0, 0, 4, 20] = float("nan")      # an interior window (the C runtime's row-wise path)
    x[0, 1, 0, 0] = float("nan")       # an edge window (its per-window path)
    check_op(nn.MaxPool2d(3, 2, 1), (x,), "MAX_POOL2D")


@pytest.mark.parametrize("size,out", [((8, 8), 2), ((6, 9), (3, 3)), ((5, 7), 1), ((4, 4), (4, 2))])
def test_adaptive_max_pool(size, out):
    check_op(torch.nn.AdaptiveMaxPool2d(out), (torch.randn(2, 3, *size),),
             "REDUCE_MAX" if out == 1 else "MAX_POOL2D")
