"""WHERE: torch.where with a broadcast condition and operands, scalar operands, int64 and
mixed-dtype operands, and masked_fill."""
import pytest
import torch

from oplib import check_op, randint


@pytest.mark.parametrize("c,a,b", [((2, 3, 4), (2, 3, 4), (2, 3, 4)), ((3, 1), (1, 4), (4,)),
                                   ((2, 1, 4), (3, 1), ()), ((5,), (2, 5), (5,))])
def test_where_broadcast(c, a, b):
    check_op(torch.where, (torch.rand(c) > 0.5, torch.randn(a), torch.randn(b)), "WHERE")


def test_where_scalar_operands():
    check_op(lambda x: torch.where(x > 0, x, 0.0), (torch.randn(3, 4),), "WHERE")
    check_op(lambda x: torch.where(x > 0, -1.5, x), (torch.randn(3, 4),), "WHERE")


def test_where_int64_and_mixed():
    check_op(torch.where, (torch.rand(3, 4) > 0.5, randint((3, 4)), randint((4,))), "WHERE")
    check_op(lambda i, x: torch.where(i > 0, i, x), (randint((3, 4)), torch.randn(3, 4)), "WHERE")


def test_masked_fill():
    fn = lambda x, m: x.masked_fill(m, -3.0)  # noqa: E731
    check_op(fn, (torch.randn(2, 3, 4), torch.rand(3, 4) > 0.5), "WHERE")
