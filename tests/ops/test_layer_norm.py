"""LAYER_NORM: nn.LayerNorm over the last 1 and 2 dims, with affine weight and bias, weight
only (bias=False), no affine, a custom eps, and F.layer_norm, rank 2..4."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from oplib import check_op


def layer_norm(normalized, **kwargs):
    m = nn.LayerNorm(normalized, **kwargs)
    with torch.no_grad():
        for p in m.parameters():
            p.normal_()
    return m


@pytest.mark.parametrize("shape,normalized", [((3, 6), 6), ((2, 3, 8), 8), ((2, 3, 4, 5), 5),
                                              ((2, 3, 8), (3, 8)), ((2, 3, 4, 5), (4, 5))])
@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"elementwise_affine": False},
                                    {"eps": 1e-2}])
def test_layer_norm(shape, normalized, kwargs):
    check_op(layer_norm(normalized, **kwargs), (torch.randn(shape) * 3 + 1,), "LAYER_NORM")


def test_functional_layer_norm_inputs_as_affine():
    fn = lambda x, w, b: F.layer_norm(x, (4,), w, b)  # noqa: E731
    check_op(fn, (torch.randn(2, 3, 4), torch.randn(4), torch.randn(4)), "LAYER_NORM")
