"""ARANGE: torch.arange whose length is a dynamic size (a static one is constant-folded):
int64 and float32, with a start, positive and negative steps and an offset end, run at
several sizes."""
import pytest
import torch

from exporter import DynamicDim
from oplib import check_op

DYNAMIC = [DynamicDim("batch", 0, 8)]


@pytest.mark.parametrize("fn", [
    lambda x: torch.arange(x.shape[0]),
    lambda x: torch.arange(x.shape[0], dtype=torch.float32),
    lambda x: torch.arange(3, x.shape[0] + 3),
    lambda x: torch.arange(-2, 3 * x.shape[0] - 2, 3),
    lambda x: torch.arange(5, 5 - 2 * x.shape[0], -2),
    lambda x: x + torch.arange(x.shape[0]).unsqueeze(1),
])
def test_arange_dynamic(fn):
    check_op(fn, (torch.randn(4, 3),), "ARANGE", dynamic=DYNAMIC,
             extra_inputs=[(torch.randn(2, 3),), (torch.randn(8, 3),)])
