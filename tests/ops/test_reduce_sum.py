"""REDUCE_SUM: sum over one, several (negative) and all dims, keepdim both ways, rank 1..4;
int64 sums and the sum of a bool tensor (an int64 count)."""
import pytest
import torch

from oplib import check_op, randint

CASES = [((7,), 0), ((3, 5), 1), ((3, 5), -2), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, -2)),
         ((2, 3, 4, 5), (1, 2, 3)), ((2, 3, 4, 5), (3, 0))]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", CASES)
def test_reduce_sum(shape, dim, keepdim):
    check_op(lambda x: x.sum(dim, keepdim=keepdim), (torch.randn(shape),), "REDUCE_SUM")


def test_reduce_sum_all():
    check_op(lambda x: x.sum(), (torch.randn(2, 3, 4),), "REDUCE_SUM")


@pytest.mark.parametrize("keepdim", [False, True])
def test_reduce_sum_int64(keepdim):
    check_op(lambda i: i.sum(-1, keepdim=keepdim), (randint((3, 4, 5)),), "REDUCE_SUM")


def test_reduce_sum_bool_counts():
    check_op(lambda x: (x > 0).sum(1), (torch.randn(4, 6),), "REDUCE_SUM")
