"""silu (lowered to SIGMOID and MUL): F.silu / nn.SiLU on rank 1..4 inputs, large |x|."""
import pytest
import torch
import torch.nn as nn

from oplib import check_op


@pytest.mark.parametrize("shape", [(9,), (3, 5), (2, 3, 4), (2, 1, 3, 5)])
def test_silu(shape):
    ops = check_op(nn.SiLU(), (torch.randn(shape) * 8,), "SIGMOID")
    assert ops == ["SIGMOID", "MUL"]
