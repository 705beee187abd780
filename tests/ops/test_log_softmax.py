"""LOG_SOFTMAX: every axis (negative too) of rank 1..4 inputs, large values, -inf entries and
an all -inf row (NaN, as in torch), and attention-style masking."""
import pytest
import torch

from families import SOFTMAX_AXES, check_softmax_edges
from oplib import check_op


@pytest.mark.parametrize("shape,dim", SOFTMAX_AXES)
def test_log_softmax(shape, dim):
    check_op(lambda x: torch.log_softmax(x, dim), (torch.randn(shape) * 10,), "LOG_SOFTMAX")


def test_log_softmax_edges():
    check_softmax_edges(torch.log_softmax, "LOG_SOFTMAX")
