"""LOG10: torch.log10 on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_log10(shape):
    check_op(torch.log10, (torch.rand(shape) * 10 + 1e-3,), "LOG10")


def test_log10_special_values():
    x = unary_special()
    check_op(torch.log10, (x,), "LOG10")
