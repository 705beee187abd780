"""LOG1P: torch.log1p on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_log1p(shape):
    check_op(torch.log1p, (torch.rand(shape) * 10 - 0.9,), "LOG1P")


def test_log1p_special_values():
    x = unary_special()
    check_op(torch.log1p, (x,), "LOG1P")
