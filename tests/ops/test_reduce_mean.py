"""REDUCE_MEAN: mean over one, several (negative) and all dims, keepdim both ways, rank 1..4."""
import pytest
import torch

from oplib import check_op

CASES = [((7,), 0), ((3, 5), 1), ((3, 5), -2), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, -2)),
         ((2, 3, 4, 5), (1, 2, 3)), ((2, 3, 4, 5), (3, 0))]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", CASES)
def test_reduce_mean(shape, dim, keepdim):
    check_op(lambda x: x.mean(dim, keepdim=keepdim), (torch.randn(shape) + 2,), "REDUCE_MEAN")


def test_reduce_mean_all():
    check_op(lambda x: x.mean(), (torch.randn(2, 3, 4) + 2,), "REDUCE_MEAN")
