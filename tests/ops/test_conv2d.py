"""CONV2D against eager PyTorch: strides, padding, dilation, groups, depthwise, 1-D."""
import pytest
import torch
import torch.nn as nn

from helpers import check_module


@pytest.mark.parametrize("cin,cout,k,stride,pad,dil,groups,hw", [
    (3, 8, 3, 1, 1, 1, 1, (8, 8)),
    (3, 5, 3, 2, 0, 1, 1, (9, 7)),        # non-square, odd sizes
    (4, 6, (3, 1), (2, 1), (1, 0), 1, 2, (7, 6)),
    (4, 4, 3, 1, 2, 2, 1, (10, 9)),       # dilation
    (6, 6, 3, 1, 1, 1, 6, (8, 8)),        # depthwise
    (4, 8, 5, 2, 2, 1, 4, (11, 11)),      # depthwise with multiplier 2
    (8, 16, 1, 1, 0, 1, 1, (5, 5)),       # pointwise
])
def test_conv2d(cin, cout, k, stride, pad, dil, groups, hw):
    torch.manual_seed(0)
    model = nn.Conv2d(cin, cout, k, stride, pad, dil, groups)
    check_module(model, (torch.randn(2, cin, *hw),))


def test_conv2d_no_bias_fused_relu():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.ReLU())
    program = check_module(model, (torch.randn(1, 3, 6, 6),))
    assert program.method().operators == ["CONV2D"]


@pytest.mark.parametrize("k,stride,pad,dil", [(3, 1, 1, 1), (5, 2, 0, 1), (3, 1, 2, 2)])
def test_conv1d(k, stride, pad, dil):
    torch.manual_seed(2)
    check_module(nn.Conv1d(3, 5, k, stride, pad, dil), (torch.randn(2, 3, 17),))
