"""GREATER (a > b, torch.gt): broadcasting tensors, float and int scalars,
int64 vs float promotion, bool output."""
import pytest
import torch

from oplib import check_op, randint


def few(shape):
    """Floats with many ties, so that equality cases occur."""
    return torch.randint(-2, 3, shape).float() / 2


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((6,), (6,)),
                                 ((3, 4), ()), ((2, 3, 1, 5), (3, 4, 1))])
def test_greater_tensors(a, b):
    check_op(lambda x, y: x > y, (few(a), few(b)), "GREATER")


@pytest.mark.parametrize("fn", [lambda x: x > 0.5, lambda x: torch.gt(x, 1),
                                lambda x: torch.full_like(x, 0.5) > x])
def test_greater_scalar(fn):
    check_op(fn, (few((3, 5)),), "GREATER")


def test_greater_int64():
    check_op(lambda i, j: i > j, (randint((4, 5), -2, 3), randint((5,), -2, 3)), "GREATER")
    check_op(lambda i: i > 1, (randint((7,), -2, 3),), "GREATER")
    check_op(lambda i: i > 0.5, (randint((7,), -2, 3),), "GREATER")


def test_greater_int64_vs_float():
    check_op(lambda i, x: i > x, (randint((3, 4), -2, 3), few((3, 4))), "GREATER")
