"""ASINH: torch.asinh on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_asinh(shape):
    check_op(torch.asinh, (torch.randn(shape) * 5,), "ASINH")


def test_asinh_special_values():
    x = unary_special()
    check_op(torch.asinh, (x,), "ASINH")
