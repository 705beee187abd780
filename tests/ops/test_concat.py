"""CONCAT: torch.cat of 2 and 3 tensors along every axis (negative too), rank 1..4, int64,
mixed int64/float (promoted), torch.stack, and a dynamic batch (along and across it)."""
import pytest
import torch

from exporter import DynamicDim
from oplib import check_op, randint

DYNAMIC = [DynamicDim("batch", 0, 8)]


@pytest.mark.parametrize("shapes,dim", [
    (((3,), (5,)), 0),
    (((2, 3), (4, 3)), 0),
    (((2, 3), (2, 1), (2, 4)), 1),
    (((2, 3, 4), (2, 3, 2)), -1),
    (((2, 1, 4), (2, 3, 4), (2, 2, 4)), -2),
    (((1, 2, 3, 4), (1, 5, 3, 4)), 1),
])
def test_cat(shapes, dim):
    check_op(lambda *xs: torch.cat(xs, dim), tuple(torch.randn(s) for s in shapes), "CONCAT")


def test_cat_int64():
    check_op(lambda a, b: torch.cat([a, b], 1), (randint((2, 3)), randint((2, 2))), "CONCAT")


def test_cat_mixed_dtypes():
    check_op(lambda a, b: torch.cat([a, b], 0), (randint((2, 3)), torch.randn(1, 3)), "CONCAT")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stack(dim):
    fn = lambda a, b: torch.stack([a, b * 2], dim)  # noqa: E731
    check_op(fn, (torch.randn(3, 4), torch.randn(3, 4)), "CONCAT")


@pytest.mark.parametrize("dim", [0, -1])
def test_cat_dynamic_batch(dim):
    check_op(lambda x: torch.cat([x, x * 2], dim), (torch.randn(4, 3),), "CONCAT",
             dynamic=DYNAMIC, extra_inputs=[(torch.randn(2, 3),), (torch.randn(8, 3),)])
