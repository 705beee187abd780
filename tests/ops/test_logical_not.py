"""LOGICAL_NOT: torch.logical_not and `~` on bool tensors (rank 0..4), and logical_not of
float / int64 tensors (nonzero is true)."""
import pytest
import torch

from oplib import check_op, randint


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4), (1, 2, 3, 4)])
@pytest.mark.parametrize("fn", [torch.logical_not, lambda m: ~m])
def test_logical_not_bool(shape, fn):
    check_op(fn, (torch.rand(shape) > 0.5,), "LOGICAL_NOT")


def test_logical_not_non_bool():
    check_op(torch.logical_not, (torch.randn(3, 4) * (torch.rand(3, 4) > 0.5),), "LOGICAL_NOT")
    check_op(torch.logical_not, (randint((3, 4), -1, 2),), "LOGICAL_NOT")


def test_logical_not_of_comparison():
    check_op(lambda x: ~(x > 0), (torch.randn(2, 5),), "LOGICAL_NOT")
