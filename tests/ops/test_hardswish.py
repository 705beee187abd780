"""HARDSWISH: F.hardswish on rank 0..4 inputs, covering x < -3, -3..3 and x > 3."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_hardswish(shape):
    check_op(torch.nn.functional.hardswish, (torch.randn(shape) * 5,), "HARDSWISH")
