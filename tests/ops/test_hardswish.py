"""HARDSWISH: torch.export decomposes F.hardswish into ADD, CLAMP, MUL, DIV, so the exported
path is checked against eager, and the HARDSWISH kernel itself directly against torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import assert_close
from oplib import check_op
from runtime_py.kernels.hardswish import hardswish

SHAPES = [(7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_hardswish_exported(shape):
    check_op(F.hardswish, (torch.randn(shape) * 5,), "CLAMP")


@pytest.mark.parametrize("shape", [(), *SHAPES])
def test_hardswish_kernel(shape):
    x = torch.randn(shape) * 5
    x.view(-1)[:3] = torch.tensor([-3.0, 3.0, 0.0])[: x.numel()]
    out = np.empty(shape, np.float32)
    hardswish(x.numpy(), out)
    assert_close(out, F.hardswish(x).numpy())
