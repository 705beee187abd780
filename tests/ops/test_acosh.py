"""ACOSH: torch.acosh on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_acosh(shape):
    check_op(torch.acosh, (torch.rand(shape) * 10 + 1,), "ACOSH")


def test_acosh_special_values():
    x = unary_special()
    check_op(torch.acosh, (x,), "ACOSH")
