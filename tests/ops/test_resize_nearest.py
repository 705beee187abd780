"""RESIZE_NEAREST: F.interpolate / nn.Upsample mode 'nearest' with scale factors 2, 1.5 and
(2, 3), explicit sizes (up and down, non-integer ratios), non-square inputs."""
import pytest
import torch
import torch.nn.functional as F

from families import RESIZE_CASES
from oplib import check_op


@pytest.mark.parametrize("hw,kwargs", RESIZE_CASES + [((6, 6), {"scale_factor": 0.5})])
def test_resize_nearest(hw, kwargs):
    check_op(lambda x: F.interpolate(x, mode="nearest", **kwargs), (torch.randn(2, 3, *hw),),
             "RESIZE_NEAREST")


def test_upsample_module():
    check_op(torch.nn.Upsample(scale_factor=2), (torch.randn(1, 2, 3, 5),), "RESIZE_NEAREST")
