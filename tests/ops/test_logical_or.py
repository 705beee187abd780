"""LOGICAL_OR: torch.logical_or and `|` on bool tensors with broadcasting, and
logical_or of float / int64 tensors (nonzero is true)."""
import pytest
import torch

from oplib import check_op, randint


def mask(shape):
    return torch.rand(shape) > 0.5


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((6,), (6,)),
                                 ((3, 4), ())])
@pytest.mark.parametrize("fn", [torch.logical_or, lambda x, y: x | y])
def test_logical_or_bool(a, b, fn):
    check_op(fn, (mask(a), mask(b)), "LOGICAL_OR")


def test_logical_or_non_bool():
    x = torch.randn(3, 4) * (torch.rand(3, 4) > 0.5)
    check_op(torch.logical_or, (x, randint((3, 4), -1, 2)), "LOGICAL_OR")


def test_logical_or_of_comparisons():
    check_op(lambda x: (x < -0.5) | (x > 0.5), (torch.randn(4, 5),), "LOGICAL_OR")
