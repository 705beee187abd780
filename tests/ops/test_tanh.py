"""TANH: torch.tanh on rank 0..4 inputs."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_tanh(shape):
    check_op(torch.tanh, (torch.randn(shape) * 3,), "TANH")
