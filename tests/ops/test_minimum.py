"""MINIMUM: torch.minimum / torch.min(a, b) with broadcasting, float and int64."""
import pytest
import torch

from oplib import check_op, randint


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((5,), (5,)),
                                 ((2, 3, 4, 5), (1, 3, 1, 5))])
def test_minimum(a, b):
    check_op(torch.minimum, (torch.randn(a), torch.randn(b)), "MINIMUM")


def test_min_binary_int64():
    check_op(torch.min, (randint((3, 4)), randint((4,))), "MINIMUM")
