"""RESHAPE: view / reshape with -1, flatten, unsqueeze, squeeze (all and one dim), on inputs
and on intermediate results, float and int64, rank 1..4, and a dynamic batch."""
import pytest
import torch

from exporter import DynamicDim
from oplib import check_op

DYNAMIC = [DynamicDim("batch", 0, 8)]

CASES = [
    ((2, 3, 4), lambda x: x.view(6, 4)),
    ((2, 3, 4), lambda x: x.reshape(-1)),
    ((24,), lambda x: x.reshape(2, -1, 3)),
    ((2, 3, 4, 5), lambda x: x.flatten(1)),
    ((2, 3, 4, 5), lambda x: torch.flatten(x, 1, 2)),
    ((3, 4), lambda x: x.unsqueeze(-1)),
    ((3, 4), lambda x: x.unsqueeze(0)),
    ((3, 1, 4, 1), lambda x: x.squeeze()),
    ((3, 1, 4, 1), lambda x: x.squeeze(-1)),
]


@pytest.mark.parametrize("shape,fn", CASES)
def test_reshape_input(shape, fn):
    check_op(fn, (torch.randn(shape),), "RESHAPE")


@pytest.mark.parametrize("shape,fn", CASES[:4])
def test_reshape_intermediate(shape, fn):
    ops = check_op(lambda x: fn(x * 2.0) + 1.0, (torch.randn(shape),), "RESHAPE")
    assert ops == ["MUL", "RESHAPE", "ADD"]


def test_reshape_int64():
    check_op(lambda i: (i + 1).view(4, 3), (torch.randint(-5, 5, (2, 6)),), "RESHAPE")


def test_reshape_two_outputs():
    check_op(lambda x: (x.view(6), x.view(2, 3) * 2.0), (torch.randn(3, 2),), "RESHAPE")


def test_reshape_dynamic_batch():
    check_op(lambda x: (x * 2.0).reshape(-1), (torch.randn(4, 3),), "RESHAPE",
             dynamic=DYNAMIC, extra_inputs=[(torch.randn(2, 3),), (torch.randn(8, 3),)])
