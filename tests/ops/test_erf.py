"""ERF: torch.erf on rank 0..4 inputs, including the tails |x| > 4."""
import pytest
import torch

from oplib import check_op

SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5)]


@pytest.mark.parametrize("shape", SHAPES)
def test_erf(shape):
    check_op(torch.erf, (torch.randn(shape) * 3,), "ERF")


def test_erf_tails():
    x = torch.tensor([-6.0, -4.5, -4.0, -3.99, -0.5, 0.0, 1e-4, 2.0, 3.9, 4.0, 4.01, 9.0])
    check_op(torch.erf, (x,), "ERF")
