"""TAN: torch.tan on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_tan(shape):
    check_op(torch.tan, (torch.rand(shape) * 2.8 - 1.4,), "TAN")


def test_tan_special_values():
    x = unary_special()
    check_op(torch.tan, (x,), "TAN")
