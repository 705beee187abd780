"""NEG: torch.neg / unary minus on float and int64 inputs, rank 0..4."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_neg(shape):
    check_op(torch.neg, (torch.randn(shape),), "NEG")


def test_neg_int64():
    check_op(lambda i: -i, (torch.randint(-10, 10, (3, 4)),), "NEG")
