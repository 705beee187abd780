"""CLAMP: clamp with both, min-only and max-only bounds (int and float), hardtanh, relu6
(not fused: its input is not a CONV2D/FULLY_CONNECTED/ADD), rank 1..4."""
import pytest
import torch
import torch.nn.functional as F

from oplib import check_op


@pytest.mark.parametrize("fn", [
    lambda x: x.clamp(-0.5, 0.75),
    lambda x: x.clamp(min=-0.25),
    lambda x: x.clamp(max=0.3),
    lambda x: torch.clamp(x, -1, 1),
    lambda x: F.hardtanh(x),
    lambda x: F.hardtanh(x, -2.0, 0.5),
    lambda x: F.relu6(x * 4),
])
@pytest.mark.parametrize("shape", [(9,), (3, 4), (2, 3, 4), (1, 2, 3, 4)])
def test_clamp(shape, fn):
    check_op(fn, (torch.randn(shape),), "CLAMP")
