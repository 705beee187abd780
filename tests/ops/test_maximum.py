"""MAXIMUM: torch.maximum / torch.max(a, b) with broadcasting, float and int64."""
import pytest
import torch

from oplib import check_op, randint


@pytest.mark.parametrize("a,b", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((5,), (5,)),
                                 ((2, 3, 4, 5), (1, 3, 1, 5))])
def test_maximum(a, b):
    check_op(torch.maximum, (torch.randn(a), torch.randn(b)), "MAXIMUM")


def test_max_binary_int64():
    check_op(torch.max, (randint((3, 4)), randint((4,))), "MAXIMUM")
