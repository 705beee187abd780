"""ADD: broadcasting tensor + tensor (rank 0..4), + scalar, alpha, int64 arithmetic,
int64 + float promotion, and a ReLU fused into the ADD."""
import pytest
import torch

from oplib import check_op, randint

SHAPES = [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((5,), (5,)), ((3, 4), ()),
          ((2, 3, 4, 5), (1, 3, 1, 5)), ((1, 6), (4, 1))]


@pytest.mark.parametrize("a,b", SHAPES)
def test_add_broadcast(a, b):
    check_op(torch.add, (torch.randn(a), torch.randn(b)), "ADD")


def test_add_scalar():
    check_op(lambda x: x + 2.5, (torch.randn(2, 3),), "ADD")


def test_add_alpha():
    fn = lambda x, y: torch.add(x, y, alpha=3)  # noqa: E731
    ops = check_op(fn, (torch.randn(2, 3), torch.randn(3)), "ADD")
    assert "MUL" in ops


@pytest.mark.parametrize("a,b", SHAPES[:3])
def test_add_int64(a, b):
    check_op(lambda x, y: x + y + 7, (randint(a), randint(b)), "ADD")


def test_add_int64_plus_float():
    check_op(lambda x, y: x + y, (randint((2, 3)), torch.randn(2, 3)), "ADD")
    check_op(lambda x: x + 0.5, (randint((4,)),), "ADD")


def test_add_relu_fused():
    ops = check_op(lambda x, y: torch.relu(x + y), (torch.randn(2, 3), torch.randn(2, 3)), "ADD")
    assert ops == ["ADD"]


def test_add_rank0_and_scalar():
    check_op(lambda x: x + 1.5, (torch.randn(()),), "ADD")
