"""SIN: torch.sin on rank 0..4 inputs, large arguments, inf and NaN (NaN, as in torch),
and an empty tensor."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5), (0, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_sin(shape):
    check_op(torch.sin, (torch.randn(shape) * 3,), "SIN")


def test_sin_special_values():
    x = torch.tensor([0.0, -0.0, 1e4, -1e4, float("inf"), float("-inf"), float("nan"), 3.14159265])
    check_op(torch.sin, (x,), "SIN")
