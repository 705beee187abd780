"""DIV: broadcasting tensor / tensor, tensor / scalar, int64 / int64 true division."""
import pytest
import torch

from oplib import check_op, randint


def nonzero(shape):
    x = torch.randn(shape)
    return x + torch.sign(x)          # |x| >= 1


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((5,), (5,)),
                                 ((3, 4), ()), ((1, 2, 3, 4), (2, 1, 4))])
def test_div_broadcast(a, b):
    check_op(torch.div, (torch.randn(a), nonzero(b)), "DIV")


def test_div_scalar():
    check_op(lambda x: x / 4.0, (torch.randn(3, 5),), "DIV")


def test_div_int64_true_division():
    a, b = randint((2, 6)), randint((6,), 1, 5)
    check_op(torch.div, (a, b), "DIV")
    check_op(lambda x: x / 4, (a,), "DIV")
