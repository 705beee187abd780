"""SOFTMAX: every axis (negative too) of rank 1..4 inputs, large values, -inf entries and
an all -inf row (NaN, as in torch), attention-style masking, and softmax over a dynamic axis."""
import pytest
import torch

from exporter import DynamicDim
from families import SOFTMAX_AXES, check_softmax_edges
from oplib import check_op

DYNAMIC = [DynamicDim("batch", 0, 8)]


@pytest.mark.parametrize("shape,dim", SOFTMAX_AXES)
def test_softmax(shape, dim):
    check_op(lambda x: torch.softmax(x, dim), (torch.randn(shape) * 10,), "SOFTMAX")


def test_softmax_edges():
    check_softmax_edges(torch.softmax, "SOFTMAX")


def test_softmax_dynamic_axis():
    check_op(lambda x: torch.softmax(x, 0), (torch.randn(4, 3),), "SOFTMAX",
             dynamic=DYNAMIC, extra_inputs=[(torch.randn(2, 3),), (torch.randn(8, 3),)])


def test_softmax_long_rows_with_special_values():
    """Rows longer than the 8-lane kernels (max, exp, sum) with a NaN, +inf and -inf in
    the vector part and in the tail: NaN rows as torch, the rest within tolerance."""
    x = torch.randn(6, 37) * 20
    x[0, 3] = float("nan")            # in the first 8 lanes
    x[1, 35] = float("nan")           # in the tail
    x[2, 10] = float("inf")
    x[3, :30] = -float("inf")         # only the tail finite
    x[4, 36] = 90.0                   # exp(x - max) underflows for most of the row
    check_op(lambda x: torch.softmax(x, -1), (x,), "SOFTMAX")
    check_op(lambda x: torch.softmax(x, -1), (torch.randn(3, 200) * 5,), "SOFTMAX")
