"""ARG_MIN: torch.argmin over every axis (negative, flattened, size 1), keepdim both ways,
integer dtypes with ties (the first wins), NaN (still wins, as torch); torch.min(dim)
values (exact: -max(-x) for floats, c - max(c - x) for integers, NOT for BOOL) and
indices; ONNX's select_last_index; a bad axis refused by both loaders."""
import numpy as np
import pytest
import torch

from oplib import Fn1, check_op, randint
from order_lib import onnx_node, refusals, run_both, with_options

CASES = [((17,), 0), ((3, 33), 1), ((3, 33), -2), ((2, 17, 3), 1), ((4, 1, 3), -2), ((2, 3, 4), None)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", CASES)
def test_argmin(shape, dim, keepdim):
    check_op(lambda x: torch.argmin(x, dim, keepdim=keepdim), (torch.randn(shape),), "ARG_MIN")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
def test_argmin_integers_with_ties(dtype):
    lo = 0 if dtype == torch.uint8 else -3
    check_op(lambda x: torch.argmin(x, 0), (randint((33, 4), lo, lo + 3, dtype),), "ARG_MIN")


def test_argmin_nan_wins():
    x = torch.randn(4, 21)
    x[0, 5] = x[0, 9] = float("nan")
    x[1, 20] = float("nan")
    x[2, :] = float("inf")
    x[3, 2] = float("-inf")
    check_op(lambda x: torch.argmin(x, -1), (x,), "ARG_MIN")


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.int32, torch.int8, torch.uint8])
def test_min_dim_values_and_indices(dtype, keepdim):
    x = (torch.randn(3, 17, 5) * 40).to(dtype)
    if dtype == torch.float32:
        x[0, 3, 1] = float("nan")
    elif dtype != torch.uint8:
        x[1, 2, 3] = torch.iinfo(dtype).min    # c - x stays exact at the minimum
    ops = check_op(lambda x: torch.min(x, 1, keepdim=keepdim), (x,), "ARG_MIN")
    assert "REDUCE_MAX" in ops


def test_min_dim_bool_values():
    x = torch.rand(4, 6) > 0.2
    check_op(lambda x: torch.min(x, 1).values, (x,), "REDUCE_MAX")


def test_select_last_index_onnx():
    x = np.array([[1, -5, -5, 2], [np.nan, 0, np.nan, -9], [7, 7, 7, 7]], np.float32)
    for last, want in [(1, [2, 2, 3]), (0, [1, 0, 0])]:
        data = onnx_node("ArgMin", x, [(3,)], axis=1, keepdims=0, select_last_index=last)
        py, c = run_both(data, x)
        np.testing.assert_array_equal(py[0], want)
        np.testing.assert_array_equal(c[0], want)


def test_bad_axis_is_refused():
    data = with_options(Fn1(lambda x: torch.argmin(x, 0)), (torch.randn(2, 3),), "ARG_MIN",
                        lambda o: setattr(o, "axis", 7))
    py, c = refusals(data)
    assert py is not None and "axis 7 out of range for rank 2" in py, py
    assert c is not None and "axis 7 out of range for rank 2" in c, c
