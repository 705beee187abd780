"""AVG_POOL2D: nn.AvgPool2d with stride, asymmetric kernels, padding with count_include_pad
both ways, divisor_override, ceil_mode when it does not change the size, non-square
inputs, and adaptive average pooling to a divisor size (to (1, 1) it is a REDUCE_MEAN)."""
import pytest
import torch
import torch.nn as nn

from oplib import check_op


@pytest.mark.parametrize("k,s,p,hw", [
    (2, None, 0, (8, 8)),
    (3, 2, 1, (9, 7)),
    ((3, 2), (2, 1), (1, 0), (7, 6)),
    (3, 1, 1, (5, 6)),
    (5, 3, 2, (11, 8)),
])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(k, s, p, hw, count_include_pad):
    model = nn.AvgPool2d(k, s, p, count_include_pad=count_include_pad)
    check_op(model, (torch.randn(2, 3, *hw),), "AVG_POOL2D")


@pytest.mark.parametrize("divisor", [1, 5])
def test_avg_pool2d_divisor_override(divisor):
    model = nn.AvgPool2d(3, 2, 1, divisor_override=divisor)
    check_op(model, (torch.randn(1, 2, 7, 7),), "AVG_POOL2D")


def test_avg_pool2d_ceil_mode_same_size():
    check_op(nn.AvgPool2d(2, 2, ceil_mode=True), (torch.randn(1, 2, 8, 6),), "AVG_POOL2D")


def test_adaptive_avg_pool2d():
    check_op(nn.AdaptiveAvgPool2d((2, 3)), (torch.randn(2, 4, 6, 9),), "AVG_POOL2D")
    check_op(nn.AdaptiveAvgPool2d(1), (torch.randn(2, 4, 5, 7),), "REDUCE_MEAN")
