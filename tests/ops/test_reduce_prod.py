"""REDUCE_PROD: torch.prod over one dim (negative, size 1, empty: 1) and all dims, keepdim
both ways, rows at and past vector widths, the dtype argument, integers (int64 wrap-around,
int32 / uint8 / BOOL into int64), NaN and infinities, a dynamic batch; bad axes refused by
both loaders."""
import pytest
import torch

from exporter import DynamicDim
from oplib import Fn1, check_op, randint
from order_lib import refusals, with_options

CASES = [((17,), 0), ((3, 33), 1), ((3, 33), -2), ((2, 17, 3), 1), ((4, 1, 3), 1), ((2, 3, 4), None)]


def near_one(*shape):
    """Factors in [0.5, 1.5): long products stay in range."""
    return torch.rand(shape) + 0.5


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", CASES)
def test_reduce_prod(shape, dim, keepdim):
    if dim is None:
        check_op(lambda x: torch.prod(x), (near_one(*shape),), "REDUCE_PROD")
    else:
        check_op(lambda x: torch.prod(x, dim, keepdim=keepdim), (near_one(*shape),), "REDUCE_PROD")


def test_reduce_prod_empty_axis_is_one():
    check_op(lambda x: torch.prod(x, 1), (torch.randn(3, 0),), "REDUCE_PROD")


def test_reduce_prod_special_values():
    x = near_one(4, 9)
    x[0, 3] = float("nan")
    x[1, 2] = float("inf")
    x[2, 5] = float("inf")
    x[2, 6] = 0.0                      # inf * 0 = NaN
    x[3, 8] = -0.0
    check_op(lambda x: torch.prod(x, -1), (x,), "REDUCE_PROD")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8, torch.bool])
def test_reduce_prod_integers(dtype):
    """Multiplied in int64 (torch's result dtype), wrapping around."""
    x = torch.rand(3, 33) > 0.1 if dtype == torch.bool else randint((3, 33), 1, 9 if dtype != torch.int8 else 5, dtype)
    check_op(lambda x: torch.prod(x, 1), (x,), "REDUCE_PROD")


def test_reduce_prod_int64_wraps():
    x = torch.tensor([[2**62, 4, 3], [-(2**40), 2**30, 7], [-1, -1, -(2**63)]])
    check_op(lambda x: torch.prod(x, -1), (x,), "REDUCE_PROD")


def test_reduce_prod_dtype_argument():
    check_op(lambda x: torch.prod(x, 0, dtype=torch.float32), (randint((5, 4), -3, 4),), "REDUCE_PROD")
    check_op(lambda x: torch.prod(x, dtype=torch.int64), (randint((2, 3), -3, 4, torch.int32),), "REDUCE_PROD")


def test_reduce_prod_dynamic_batch():
    check_op(lambda x: torch.prod(x, -1), (near_one(4, 7),), "REDUCE_PROD",
             dynamic=[DynamicDim("batch", 0, 8)], extra_inputs=[(near_one(1, 7),), (near_one(8, 7),)])


@pytest.mark.parametrize("axes,message", [([2], "out of range for rank 2"), ([1, 1], "repeated")])
def test_bad_axes_are_refused(axes, message):
    data = with_options(Fn1(lambda x: torch.prod(x, 1)), (torch.randn(2, 3),), "REDUCE_PROD",
                        lambda o: setattr(o, "axes", axes))
    py, c = refusals(data)
    assert py is not None and ("invalid for rank 2" in py), py
    assert c is not None and message in c, c
