"""ACOS: torch.acos on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_acos(shape):
    check_op(torch.acos, (torch.rand(shape) * 1.98 - 0.99,), "ACOS")


def test_acos_special_values():
    x = unary_special()
    check_op(torch.acos, (x,), "ACOS")
