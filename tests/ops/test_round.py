"""ROUND: torch.round on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_round(shape):
    halves = torch.randint(-20, 20, shape) / 2          # ties, rounded to even
    check_op(torch.round, (halves + torch.randn(shape) * 0.1 * (torch.rand(shape) > 0.5),), "ROUND")


def test_round_special_values():
    x = unary_special()
    check_op(torch.round, (x,), "ROUND")
