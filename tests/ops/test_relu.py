"""RELU: torch.relu / nn.ReLU / clamp(min=0) on float inputs, rank 0..4."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_relu(shape):
    check_op(torch.relu, (torch.randn(shape),), "RELU")


@pytest.mark.parametrize("fn", [torch.nn.ReLU(), lambda x: x.clamp(min=0)])
def test_relu_spellings(fn):
    check_op(fn, (torch.randn(2, 6),), "RELU")


def test_relu_int64():
    check_op(torch.relu, (torch.randint(-5, 5, (3, 4)),), "RELU")
