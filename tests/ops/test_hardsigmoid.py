"""hardsigmoid (lowered to several elementwise ops): F.hardsigmoid / nn.Hardsigmoid on rank
1..4 inputs covering x < -3, -3..3 and x > 3."""
import pytest
import torch
import torch.nn as nn

from oplib import check_op


@pytest.mark.parametrize("shape", [(9,), (3, 5), (2, 3, 4), (2, 1, 3, 5)])
def test_hardsigmoid(shape):
    x = torch.randn(shape) * 5
    x.view(-1)[:3] = torch.tensor([-3.0, 3.0, 0.0])
    check_op(nn.Hardsigmoid(), (x,), "CLAMP")
