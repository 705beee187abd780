"""ROUND: torch.round on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 17), (0, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_round(shape):
    halves = torch.randint(-20, 20, shape) / 2          # ties, rounded to even
    check_op(torch.round, (halves + torch.randn(shape) * 0.1 * (torch.rand(shape) > 0.5),), "ROUND")


def test_round_special_values():
    x = torch.tensor([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, float("inf"), float("-inf"), float("nan")])
    check_op(torch.round, (x,), "ROUND")
