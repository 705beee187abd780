"""MUL: broadcasting tensor * tensor, * scalar, int64, int64 * float promotion, bool * float."""
import pytest
import torch

from oplib import check_op, randint


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((6,), (6,)),
                                 ((3, 4), ()), ((2, 3, 4, 5), (2, 1, 4, 1))])
def test_mul_broadcast(a, b):
    check_op(torch.mul, (torch.randn(a), torch.randn(b)), "MUL")


def test_mul_scalar():
    check_op(lambda x: x * -2.5, (torch.randn(2, 3),), "MUL")


def test_mul_int64():
    check_op(lambda x, y: x * y * 3, (randint((2, 3)), randint((2, 1))), "MUL")


def test_mul_mixed_dtypes():
    check_op(lambda i, x: i * x, (randint((3, 4)), torch.randn(3, 4)), "MUL")
    check_op(lambda m, x: m * x, (torch.rand(3, 4) > 0.5, torch.randn(3, 4)), "MUL")
