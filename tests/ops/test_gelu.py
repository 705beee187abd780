"""GELU: exact (erf) and tanh approximations, rank 1..4, over a wide input range."""
import pytest
import torch
import torch.nn as nn

from oplib import check_op


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", [(11,), (3, 5), (2, 3, 4), (2, 1, 3, 5)])
def test_gelu(shape, approximate):
    check_op(nn.GELU(approximate), (torch.randn(shape) * 4,), "GELU")


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_extremes(approximate):
    x = torch.tensor([-20.0, -6.0, -3.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 3.0, 6.0, 20.0])
    check_op(nn.GELU(approximate), (x,), "GELU")
