"""SIGMOID: torch.sigmoid on rank 0..4 inputs, including large |x| (no overflow)."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid(shape):
    check_op(torch.sigmoid, (torch.randn(shape) * 30,), "SIGMOID")


def test_sigmoid_extremes():
    x = torch.tensor([-100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0])
    check_op(torch.sigmoid, (x,), "SIGMOID")
