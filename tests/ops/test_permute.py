"""PERMUTE: permute (negative dims), transpose, .t(), .mT, rank 2..4, int64, and a permute
followed by more work (the result is laid out contiguously)."""
import pytest
import torch

from oplib import check_op


@pytest.mark.parametrize("shape,fn", [
    ((3, 5), lambda x: x.t()),
    ((3, 5), lambda x: x.permute(1, 0)),
    ((2, 3, 4), lambda x: x.permute(2, 0, 1)),
    ((2, 3, 4), lambda x: x.transpose(-1, -2)),
    ((2, 3, 4), lambda x: x.mT),
    ((2, 3, 4, 5), lambda x: x.permute(0, 2, 3, 1)),
    ((2, 3, 4, 5), lambda x: x.permute(-1, -3, 0, -2)),
    ((2, 3, 4, 5), lambda x: x.transpose(0, 2)),
])
def test_permute(shape, fn):
    check_op(fn, (torch.randn(shape),), "PERMUTE")


def test_permute_then_reshape():
    check_op(lambda x: x.permute(0, 2, 1).reshape(2, -1) * 2.0, (torch.randn(2, 3, 4),), "PERMUTE")


def test_permute_int64():
    check_op(lambda i: i.permute(1, 2, 0), (torch.randint(-9, 9, (2, 3, 4)),), "PERMUTE")
