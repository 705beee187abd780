"""FULLY_CONNECTED: nn.Linear with and without bias on rank 1..4 inputs, x @ a constant
weight, a following ReLU fused into it, and a dynamic batch."""
import pytest
import torch
import torch.nn as nn

from exporter import DynamicDim
from oplib import check_op

DYNAMIC = [DynamicDim("batch", 0, 8)]


@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 5), (2, 2, 3, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias):
    check_op(nn.Linear(5, 7, bias=bias), (torch.randn(*shape),), "FULLY_CONNECTED")


class MatmulConst(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(6, 4))

    def forward(self, x):
        return x @ self.w


@pytest.mark.parametrize("shape", [(3, 6), (2, 5, 6)])
def test_matmul_constant_weight(shape):
    check_op(MatmulConst(), (torch.randn(*shape),), "FULLY_CONNECTED")


def test_linear_relu_fused():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    ops = check_op(model, (torch.randn(5, 4),), "FULLY_CONNECTED")
    assert ops == ["FULLY_CONNECTED"]


def test_linear_dynamic_batch():
    check_op(nn.Linear(5, 3), (torch.randn(4, 2, 5),), "FULLY_CONNECTED", dynamic=DYNAMIC,
             extra_inputs=[(torch.randn(2, 2, 5),), (torch.randn(8, 2, 5),)])
