"""Activations lowered as compositions of Ember ops (no op of their own): leaky_relu
(MAXIMUM / MINIMUM of x and slope * x), elu and selu (WHERE of x and expm1), reciprocal
(DIV); both runtimes against eager, with special values."""
import pytest
import torch

from oplib import check_op

SPECIAL = torch.tensor([0.0, -0.0, 0.5, -0.5, 3.0, -3.0, 30.0, -30.0, float("inf"), float("-inf"), float("nan")])


@pytest.mark.parametrize("slope", [0.01, 0.2, 1.0, 1.5])
def test_leaky_relu(slope):
    check_op(lambda x: torch.nn.functional.leaky_relu(x, slope), (torch.randn(3, 17) * 3,),
             "MAXIMUM" if slope <= 1 else "MINIMUM")
    check_op(lambda x: torch.nn.functional.leaky_relu(x, slope), (SPECIAL,), "MUL")


@pytest.mark.parametrize("module", [torch.nn.ELU(), torch.nn.ELU(alpha=0.5), torch.nn.SELU(), torch.nn.CELU(2.0)])
def test_elu_family(module):
    check_op(module, (torch.randn(2, 3, 9) * 3,), "EXPM1")
    check_op(module, (SPECIAL,), "WHERE")


def test_reciprocal():
    check_op(torch.reciprocal, (torch.randn(4, 5) + 0.1,), "DIV")
    check_op(torch.reciprocal, (SPECIAL,), "DIV")
    check_op(lambda i: torch.reciprocal(i), (torch.randint(1, 9, (6,)),), "DIV")
