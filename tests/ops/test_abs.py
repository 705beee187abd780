"""ABS: torch.abs on float and int64 inputs, rank 0..4."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_abs(shape):
    check_op(torch.abs, (torch.randn(shape),), "ABS")


def test_abs_int64():
    check_op(torch.abs, (torch.randint(-10, 10, (3, 4)),), "ABS")
