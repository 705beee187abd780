"""TRUNC: torch.trunc on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_trunc(shape):
    check_op(torch.trunc, (torch.randn(shape) * 10,), "TRUNC")


def test_trunc_special_values():
    x = unary_special()
    check_op(torch.trunc, (x,), "TRUNC")
