"""SUB: broadcasting tensor - tensor, - scalar, scalar - tensor (rsub), alpha, int64."""
import pytest
import torch

from oplib import check_op, randint


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((7,), (7,)),
                                 ((3, 4), ()), ((2, 1, 3, 1), (4, 1, 5))])
def test_sub_broadcast(a, b):
    check_op(torch.sub, (torch.randn(a), torch.randn(b)), "SUB")


@pytest.mark.parametrize("fn", [lambda x: x - 1.5, lambda x: 1.5 - x,
                                lambda x: torch.rsub(x, 2.0, alpha=3)])
def test_sub_scalar(fn):
    check_op(fn, (torch.randn(3, 4),), "SUB")


def test_sub_alpha():
    check_op(lambda x, y: torch.sub(x, y, alpha=2), (torch.randn(2, 3), torch.randn(2, 3)), "SUB")


def test_sub_int64():
    check_op(lambda x, y: 3 - (x - y), (randint((2, 3)), randint((3,))), "SUB")
