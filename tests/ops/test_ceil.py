"""CEIL: torch.ceil on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_ceil(shape):
    check_op(torch.ceil, (torch.randn(shape) * 10,), "CEIL")


def test_ceil_special_values():
    x = unary_special()
    check_op(torch.ceil, (x,), "CEIL")
