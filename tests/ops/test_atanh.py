"""ATANH: torch.atanh on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_atanh(shape):
    check_op(torch.atanh, (torch.rand(shape) * 1.98 - 0.99,), "ATANH")


def test_atanh_special_values():
    x = unary_special()
    check_op(torch.atanh, (x,), "ATANH")
