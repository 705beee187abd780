"""SLICE: basic slices with start/stop/step (negative start and stop), on every axis, rank
1..4, select (negative index), split / chunk / narrow / unbind, int64, and a dynamic batch."""
import pytest
import torch

from exporter import DynamicDim
from oplib import check_op

DYNAMIC = [DynamicDim("batch", 0, 8)]


@pytest.mark.parametrize("shape,fn", [
    ((10,), lambda x: x[2:7]),
    ((10,), lambda x: x[1::3]),
    ((10,), lambda x: x[-4:]),
    ((10,), lambda x: x[-7:-2:2]),
    ((4, 9), lambda x: x[:, 1:8:2]),
    ((4, 9), lambda x: x[1:-1]),
    ((2, 5, 6), lambda x: x[..., -3:]),
    ((2, 5, 6), lambda x: x[:, ::2, 1:]),
    ((2, 3, 8, 8), lambda x: x[:, :, 1::2, ::3]),
    ((2, 3, 8, 8), lambda x: x[:, 1:3, 2:100]),       # stop past the end
])
def test_slice(shape, fn):
    check_op(fn, (torch.randn(shape),), "SLICE")


@pytest.mark.parametrize("fn", [lambda x: x[:, 0], lambda x: x[:, -1], lambda x: x[1],
                                lambda x: x.select(2, -2), lambda x: x[-1, :, 3]])
def test_select(fn):
    check_op(fn, (torch.randn(3, 4, 5),), "SLICE")


@pytest.mark.parametrize("fn", [
    lambda x: torch.split(x, 2, dim=1),
    lambda x: torch.split(x, [1, 3, 1], dim=-1),
    lambda x: x.chunk(3, dim=0),
    lambda x: x.unbind(1),
    lambda x: x.narrow(2, 1, 3),
])
def test_split(fn):
    check_op(fn, (torch.randn(3, 5, 5),), "SLICE")


def test_slice_int64():
    check_op(lambda i: i[:, 1::2], (torch.randint(-9, 9, (3, 7)),), "SLICE")


def test_slice_dynamic_batch():
    fn = lambda x: (x[:, -2:], x[:, 1::2, 0])  # noqa: E731
    check_op(fn, (torch.randn(4, 5, 3),), "SLICE", dynamic=DYNAMIC,
             extra_inputs=[(torch.randn(2, 5, 3),), (torch.randn(8, 5, 3),)])
