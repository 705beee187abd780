"""RESIZE_BILINEAR: F.interpolate mode 'bilinear' with align_corners True and False, scale
factors 2, 1.5 and (2, 3), explicit sizes (up and down), non-square inputs."""
import pytest
import torch
import torch.nn.functional as F

from families import RESIZE_CASES
from oplib import check_op


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("hw,kwargs", RESIZE_CASES + [((1, 4), {"size": (3, 8)})])  # a size-1 input axis
def test_resize_bilinear(hw, kwargs, align):
    fn = lambda x: F.interpolate(x, mode="bilinear", align_corners=align, **kwargs)  # noqa: E731
    check_op(fn, (torch.randn(2, 3, *hw),), "RESIZE_BILINEAR")
