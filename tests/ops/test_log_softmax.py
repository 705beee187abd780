"""LOG_SOFTMAX: every axis (negative too) of rank 1..4 inputs, large values, -inf entries and
an all -inf row (NaN, as in torch), and attention-style masking."""
import pytest
import torch

from oplib import check_op


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -1),
                                       ((2, 3, 4), 1), ((2, 3, 4, 5), -3), ((2, 3, 4, 5), 3)])
def test_log_softmax(shape, dim):
    check_op(lambda x: torch.log_softmax(x, dim), (torch.randn(shape) * 10,), "LOG_SOFTMAX")


def test_log_softmax_inf_entries():
    x = torch.randn(4, 5)
    x[0, 1] = x[1, 0] = x[1, 4] = -float("inf")
    x[2, :] = -float("inf")
    x[3, 2] = 1e4
    check_op(lambda x: torch.log_softmax(x, -1), (x,), "LOG_SOFTMAX")


def test_log_softmax_masked():
    fn = lambda s, m: torch.log_softmax(s.masked_fill(m, float("-inf")), dim=-1)  # noqa: E731
    mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
    check_op(fn, (torch.randn(2, 5, 5), mask), "LOG_SOFTMAX")
