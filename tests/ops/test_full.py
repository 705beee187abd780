"""FULL: torch.full / zeros / ones with a dynamic size (a static one is constant-folded),
float32, int64 and bool fills, and full_like / zeros_like of a runtime tensor."""
import pytest
import torch

from exporter import DynamicDim
from oplib import check_op

DYNAMIC = [DynamicDim("batch", 0, 8)]


@pytest.mark.parametrize("fn", [
    lambda x: torch.full((x.shape[0], 3), 2.5),
    lambda x: torch.full((2, x.shape[0]), -7, dtype=torch.int64),
    lambda x: torch.ones(x.shape[0], dtype=torch.bool),
    lambda x: x + torch.zeros(x.shape[0], 1),
    lambda x: torch.full_like(x, 4.0),
])
def test_full_dynamic(fn):
    check_op(fn, (torch.randn(4, 3),), "FULL", dynamic=DYNAMIC,
             extra_inputs=[(torch.randn(2, 3),), (torch.randn(8, 3),)])


@pytest.mark.parametrize("fn", [lambda x: torch.full_like(x, -1.5),
                                lambda x: torch.ones_like(x, dtype=torch.int64)])
def test_full_like_static(fn):
    check_op(fn, (torch.randn(2, 3, 4),), "FULL")
