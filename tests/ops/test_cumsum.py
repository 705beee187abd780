"""CUMSUM: torch.cumsum along every axis (negative too), rank 1..4, float, int64, and bool
(counted as int64)."""
import pytest
import torch

from oplib import check_op


@pytest.mark.parametrize("shape,dim", [((9,), 0), ((3, 5), 1), ((3, 5), -2), ((2, 3, 4), -1),
                                       ((2, 3, 4, 5), 2)])
def test_cumsum(shape, dim):
    check_op(lambda x: torch.cumsum(x, dim), (torch.randn(shape),), "CUMSUM")


def test_cumsum_int64():
    check_op(lambda i: i.cumsum(-1), (torch.randint(-9, 9, (3, 6)),), "CUMSUM")


def test_cumsum_bool():
    check_op(lambda m: m.cumsum(1), (torch.rand(3, 6) > 0.5,), "CUMSUM")
