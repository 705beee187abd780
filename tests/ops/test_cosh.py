"""COSH: torch.cosh on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_cosh(shape):
    check_op(torch.cosh, (torch.randn(shape) * 3,), "COSH")


def test_cosh_special_values():
    x = unary_special()
    check_op(torch.cosh, (x,), "COSH")
