"""SIGN: torch.sign on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_sign(shape):
    check_op(torch.sign, (torch.randn(shape) * (torch.rand(shape) > 0.3),), "SIGN")


def test_sign_special_values():
    x = unary_special()
    check_op(torch.sign, (x,), "SIGN")
