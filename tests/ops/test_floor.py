"""FLOOR: torch.floor on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from families import UNARY_SHAPES, unary_special
from oplib import check_op


@pytest.mark.parametrize("shape", UNARY_SHAPES)
def test_floor(shape):
    check_op(torch.floor, (torch.randn(shape) * 10,), "FLOOR")


def test_floor_special_values():
    x = unary_special()
    check_op(torch.floor, (x,), "FLOOR")


def test_floor_of_an_integer_tensor_is_itself():
    from helpers import check_module
    from oplib import Fn1, randint
    check_module(Fn1(lambda i: torch.floor(i) + 1), (randint((3, 4)),))
