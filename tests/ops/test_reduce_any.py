"""REDUCE_ANY: torch.any over one and several (negative) dims, keepdim both ways, on bool
tensors (including all-false rows) and on float tensors (nonzero is true)."""
import pytest
import torch

from oplib import check_op


def sparse_mask(shape):
    return torch.rand(shape) > 0.85        # some all-false rows


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [((7,), 0), ((4, 5), 1), ((4, 5), -2), ((2, 3, 4), -1),
                                       ((2, 3, 4), (0, 2)), ((2, 3, 4, 5), (-1, 1))])
def test_reduce_any_bool(shape, dim, keepdim):
    check_op(lambda m: torch.any(m, dim, keepdim=keepdim), (sparse_mask(shape),), "REDUCE_ANY")


def test_reduce_any_float():
    x = torch.randn(4, 5) * sparse_mask((4, 5))
    check_op(lambda x: x.any(1), (x,), "REDUCE_ANY")
