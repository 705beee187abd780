"""ARG_MAX: torch.argmax over every axis (negative, size 1, flattened with dim=None, a
scalar), keepdim both ways, rows at and past vector widths, integer dtypes with ties (the
first wins), NaN (the first NaN wins), an empty non-reduced dimension, a dynamic batch;
torch.max(dim) (values by REDUCE_MAX, indices by ARG_MAX); ONNX's select_last_index; a bad
axis refused by both loaders."""
import numpy as np
import pytest
import torch

import crafted
from exporter import DynamicDim, export_module
from oplib import Fn1, check_op, randint
from order_lib import onnx_node, refusals, run_both, with_options

CASES = [((17,), 0), ((3, 33), 1), ((3, 33), -2), ((2, 3, 4), 1), ((2, 17, 3), -2), ((4, 1, 3), 1),
         ((2, 3, 4), None), ((5,), None)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", CASES)
def test_argmax(shape, dim, keepdim):
    check_op(lambda x: torch.argmax(x, dim, keepdim=keepdim), (torch.randn(shape),), "ARG_MAX")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
def test_argmax_integers_with_ties(dtype):
    lo = 0 if dtype == torch.uint8 else -3
    check_op(lambda x: torch.argmax(x, -1), (randint((4, 33), lo, lo + 3, dtype),), "ARG_MAX")


def test_argmax_integer_extremes():
    x = torch.tensor([[-2**63, 2**63 - 1, 5, 2**63 - 1], [-2**63, -2**63, -2**63, -2**63]])
    check_op(lambda x: torch.argmax(x, 1), (x,), "ARG_MAX")


def test_argmax_nan_and_infinities():
    x = torch.randn(5, 19)
    x[0, 3] = x[0, 11] = float("nan")      # the first NaN wins
    x[1, 18] = float("nan")                # in the tail
    x[2, :] = float("-inf")                # all equal: index 0
    x[3, 7] = float("inf")
    x[4, 0] = float("nan")
    check_op(lambda x: torch.argmax(x, 1), (x,), "ARG_MAX")
    check_op(lambda x: torch.argmax(x.t(), 0), (x,), "ARG_MAX")   # the strided walk


def test_argmax_scalar_and_empty_batch():
    check_op(lambda x: torch.argmax(x), (torch.tensor(3.5),), "ARG_MAX")
    check_op(lambda x: torch.argmax(x, 1), (torch.randn(0, 5),), "ARG_MAX")


def test_argmax_dynamic_batch():
    check_op(lambda x: torch.argmax(x, -1), (torch.randn(4, 9),), "ARG_MAX",
             dynamic=[DynamicDim("batch", 0, 8)], extra_inputs=[(torch.randn(1, 9),), (torch.randn(8, 9),)])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64])
def test_max_dim_values_and_indices(dtype, keepdim):
    x = torch.randn(3, 17, 5) * 4
    x = x.to(dtype)
    if dtype == torch.float32:
        x[1, 4, 2] = float("nan")
    ops = check_op(lambda x: torch.max(x, 1, keepdim=keepdim), (x,), "ARG_MAX")
    assert "REDUCE_MAX" in ops


def test_max_dim_indices_only():
    ops = check_op(lambda x: torch.max(x, -1).indices, (torch.randn(2, 33),), "ARG_MAX")
    assert "REDUCE_MAX" not in ops


def test_select_last_index_onnx():
    """ONNX ArgMax with select_last_index: the last of equal maxima, the last NaN."""
    x = np.array([[1, 5, 5, 2], [np.nan, 0, np.nan, 9], [7, 7, 7, 7]], np.float32)
    for last, want in [(1, [2, 2, 3]), (0, [1, 0, 0])]:
        data = onnx_node("ArgMax", x, [(3,)], axis=1, keepdims=0, select_last_index=last)
        py, c = run_both(data, x)
        np.testing.assert_array_equal(py[0], want)
        np.testing.assert_array_equal(c[0], want)
    xi = np.array([[3, -1, 3], [0, 0, -5]], np.int32)
    data = onnx_node("ArgMax", xi, [(2, 1)], axis=-1, keepdims=1, select_last_index=1)
    py, c = run_both(data, xi)
    np.testing.assert_array_equal(py[0], [[2], [1]])
    np.testing.assert_array_equal(c[0], [[2], [1]])


@pytest.mark.parametrize("field,value,message", [("axis", 2, "axis 2 out of range for rank 2"),
                                                 ("axis", -1, "axis -1 out of range for rank 2")])
def test_bad_axis_is_refused(field, value, message):
    data = with_options(Fn1(lambda x: torch.argmax(x, 1)), (torch.randn(2, 3),), "ARG_MAX",
                        lambda o: setattr(o, field, value))
    py, c = refusals(data)
    assert py is not None and message in py, py
    assert c is not None and message in c, c


def test_empty_axis_is_refused():
    """An axis of size 0 has no element to pick: both loaders refuse the output shape the
    file claims for it."""
    def empty_axis(program):
        m = program.methods[0]
        x = m.tensors[m.operators[-1].inputs[0]]
        crafted.set_shape(x, [2, 0])
        crafted.set_shape(m.tensors[m.inputs[0]], [2, 0])
    data = crafted.edit(export_module(Fn1(lambda x: torch.argmax(x, 1)).eval(), (torch.randn(2, 3),)), empty_axis)
    py, c = refusals(data)
    assert py is not None and "is empty" in py, py
    assert c is not None and "is empty" in c, c
