"""REDUCE_MAX: torch.amax over one, several (negative) and all dims, keepdim both ways,
rank 1..4, float and int64."""
import pytest
import torch

from oplib import check_op, randint

CASES = [((7,), 0), ((3, 5), 1), ((3, 5), -2), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, -2)),
         ((2, 3, 4, 5), (1, 2, 3)), ((2, 3, 4, 5), ())]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", CASES)
def test_reduce_max(shape, dim, keepdim):
    check_op(lambda x: torch.amax(x, dim, keepdim=keepdim), (torch.randn(shape) - 5,), "REDUCE_MAX")


def test_reduce_max_int64():
    check_op(lambda i: torch.amax(i, -1), (randint((3, 4)),), "REDUCE_MAX")
