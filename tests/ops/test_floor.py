"""FLOOR: torch.floor on rank 0..4 inputs and an empty one, and special values."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 17), (0, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_floor(shape):
    check_op(torch.floor, (torch.randn(shape) * 10,), "FLOOR")


def test_floor_special_values():
    x = torch.tensor([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, float("inf"), float("-inf"), float("nan")])
    check_op(torch.floor, (x,), "FLOOR")


def test_floor_of_an_integer_tensor_is_itself():
    from helpers import check_module
    from oplib import Fn1, randint
    check_module(Fn1(lambda i: torch.floor(i) + 1), (randint((3, 4)),))
