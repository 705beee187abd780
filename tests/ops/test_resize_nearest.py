"""RESIZE_NEAREST: F.interpolate / nn.Upsample mode 'nearest' with scale factors 2, 1.5 and
(2, 3), explicit sizes (up and down, non-integer ratios), non-square inputs."""
import pytest
import torch
import torch.nn.functional as F

from oplib import check_op


@pytest.mark.parametrize("hw,kwargs", [
    ((4, 4), {"scale_factor": 2}),
    ((4, 6), {"scale_factor": 1.5}),
    ((5, 3), {"scale_factor": 1.5}),
    ((3, 4), {"scale_factor": (2, 3)}),
    ((5, 7), {"size": (8, 9)}),
    ((8, 9), {"size": (3, 5)}),          # downsampling
    ((6, 6), {"scale_factor": 0.5}),
])
def test_resize_nearest(hw, kwargs):
    check_op(lambda x: F.interpolate(x, mode="nearest", **kwargs), (torch.randn(2, 3, *hw),),
             "RESIZE_NEAREST")


def test_upsample_module():
    check_op(torch.nn.Upsample(scale_factor=2), (torch.randn(1, 2, 3, 5),), "RESIZE_NEAREST")
