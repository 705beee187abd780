"""EXPM1: torch.expm1 on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_expm1(shape):
    check_op(torch.expm1, (torch.randn(shape) * 3,), "EXPM1")


def test_expm1_special_values():
    x = unary_special()
    check_op(torch.expm1, (x,), "EXPM1")
