"""PAD: F.pad constant mode with asymmetric pads on the last 1, 2 and 3 dims, zero pads on
one side, a fill value, rank 1..4, int64, and nn.ZeroPad2d / nn.ConstantPad1d."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from oplib import check_op


@pytest.mark.parametrize("shape,pad,value", [
    ((5,), (2, 1), 0.0),
    ((3, 4), (0, 3), 0.0),
    ((3, 4), (1, 2, 3, 0), -1.5),
    ((2, 3, 4), (2, 0, 0, 1, 1, 1), 0.0),
    ((1, 2, 4, 5), (1, 2, 0, 3), 7.0),
])
def test_pad(shape, pad, value):
    check_op(lambda x: F.pad(x, pad, value=value), (torch.randn(shape),), "PAD")


def test_pad_modules():
    check_op(nn.ZeroPad2d((1, 0, 2, 1)), (torch.randn(1, 2, 3, 3),), "PAD")
    check_op(nn.ConstantPad1d((0, 2), 3.5), (torch.randn(2, 4),), "PAD")


def test_pad_int64():
    check_op(lambda i: F.pad(i, (1, 2), value=-1), (torch.randint(0, 9, (2, 3)),), "PAD")


@pytest.mark.parametrize("pad", [(-1, 2), (1, -2, -1, 1), (-1, -1, -2, 0), (0, 0, 1, -3)])
def test_negative_pads_crop(pad):
    check_op(lambda x: F.pad(x, pad, value=0.5), (torch.randn(2, 4, 5),), "SLICE")
