"""ASINH: torch.asinh on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 17), (0, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_asinh(shape):
    check_op(torch.asinh, (torch.randn(shape) * 5,), "ASINH")


def test_asinh_special_values():
    x = torch.tensor([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, float("inf"), float("-inf"), float("nan")])
    check_op(torch.asinh, (x,), "ASINH")
