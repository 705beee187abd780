"""SQRT: torch.sqrt of non-negative inputs, rank 0..4."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_sqrt(shape):
    check_op(torch.sqrt, (torch.rand(shape) * 10,), "SQRT")
