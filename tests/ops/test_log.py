"""LOG: torch.log of positive inputs, rank 0..4."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_log(shape):
    check_op(torch.log, (torch.rand(shape) * 10 + 1e-3,), "LOG")
