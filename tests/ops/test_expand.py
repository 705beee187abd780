"""EXPAND: expand with -1 and new leading dims, expand_as, broadcast_to, rank 1..4, int64
and bool."""
import pytest
import torch

from oplib import check_op


@pytest.mark.parametrize("shape,fn", [
    ((3,), lambda x: x.expand(4, 3)),
    ((3, 1), lambda x: x.expand(-1, 5)),
    ((1, 4), lambda x: x.expand(2, 3, 4)),
    ((2, 1, 4), lambda x: x.expand(2, 3, -1)),
    ((1, 3, 1, 1), lambda x: x.expand(2, 3, 4, 5)),
    ((5,), lambda x: torch.broadcast_to(x, (2, 3, 5))),
])
def test_expand(shape, fn):
    check_op(fn, (torch.randn(shape),), "EXPAND")


def test_expand_as():
    check_op(lambda x, y: x.expand_as(y), (torch.randn(3, 1), torch.randn(3, 4)), "EXPAND")


@pytest.mark.parametrize("x", [torch.randint(-5, 5, (2, 1)), torch.tensor([[True], [False]])])
def test_expand_int_bool(x):
    check_op(lambda x: x.expand(2, 3), (x,), "EXPAND")
