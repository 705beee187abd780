"""POW: tensor ** scalar (square, fractional, negative exponents), tensor ** tensor with
broadcasting, and int64 ** int."""
import pytest
import torch

from oplib import check_op, randint


@pytest.mark.parametrize("e", [2, 3.0, 0.5, -1.5])
def test_pow_scalar_exponent(e):
    check_op(lambda x: x ** e, (torch.rand(2, 3, 4) + 0.1,), "POW")


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((6,), ())])
def test_pow_tensor_exponent(a, b):
    check_op(torch.pow, (torch.rand(a) + 0.5, torch.randn(b)), "POW")


def test_pow_int64():
    check_op(lambda x: x ** 3, (randint((2, 5)),), "POW")
