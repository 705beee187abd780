"""GATHER_ELEMENTS: torch.gather on every axis (negative dims), rows at and past vector widths,
indices smaller than the data off the axis and longer on it, every dtype, a 0-d tensor, an
empty index dimension, a dynamic batch; ONNX GatherElements with negative and INT32 indices;
ONNX GatherND composed over GATHER (batch_dims 0 and 1, a component out of range); an index out of range fails the run
in both runtimes, naming it and its position; bad files refused by both loaders."""
import numpy as np
import onnx.helper as oh
import pytest
import torch
from onnx.reference import ReferenceEvaluator

import crafted
import runtime_py
from exporter import DynamicDim
from index_lib import edited, first_op, onnx_node, refusals, run_both, run_errors
from oplib import Fn, check_op, randint


def gather(dim):
    return lambda x, i: torch.gather(x, dim, i)


class Gather(torch.nn.Module):
    """Two named inputs: torch.export matches dynamic_shapes to a plain signature only."""

    def forward(self, x, i):
        return torch.gather(x, 1, i)


@pytest.mark.parametrize("shape,dim,index_shape", [
    ((17,), 0, (33,)), ((3, 33), 1, (3, 17)), ((3, 33), -1, (2, 40)), ((3, 33), 0, (5, 33)),
    ((2, 3, 4), 1, (2, 5, 4)), ((2, 3, 4), -3, (1, 2, 3)), ((4, 1, 3), 1, (4, 1, 3)), ((2, 17, 3), -2, (2, 0, 3)),
])
def test_gather(shape, dim, index_shape):
    n = shape[dim]
    check_op(gather(dim), (torch.randn(shape), torch.randint(0, n, index_shape)), "GATHER_ELEMENTS")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8, torch.bool])
def test_gather_dtypes(dtype):
    x = torch.randint(0, 2, (5, 9)).to(dtype) if dtype == torch.bool else randint((5, 9), 0, 100, dtype)
    check_op(gather(1), (x, torch.randint(0, 9, (5, 33))), "GATHER_ELEMENTS")


def test_gather_scalar():
    check_op(gather(0), (torch.tensor(2.5), torch.tensor(0)), "GATHER_ELEMENTS")


def test_gather_dynamic_batch():
    check_op(Gather(), (torch.randn(4, 9), torch.randint(0, 9, (4, 3))), "GATHER_ELEMENTS",
             dynamic=[DynamicDim("batch", 0, 8)],
             extra_inputs=[(torch.randn(1, 9), torch.randint(0, 9, (1, 3))),
                           (torch.randn(8, 9), torch.randint(0, 9, (8, 3)))])


@pytest.mark.parametrize("itype", [np.int64, np.int32])
def test_onnx_negative_and_int32_indices(itype):
    x = np.arange(2 * 17, dtype=np.float32).reshape(2, 17)
    idx = np.array([[-1, 0, 16, -17], [5, -5, 3, 2]], itype)
    data = onnx_node("GatherElements", {"x": x, "i": idx}, [2, 4], axis=1)
    want = np.take_along_axis(x, np.where(idx < 0, idx + 17, idx).astype(np.int64), axis=1)
    for got in run_both(data, x, idx):
        np.testing.assert_array_equal(got[0], want)


@pytest.mark.parametrize("dims,bad,axis,where", [
    ((4, 5), (1, 0), 1, "[1, 0]"), ((4, 5), (3, 2), 0, "[3, 2]"), ((17,), (16,), 0, "[16]")])
@pytest.mark.parametrize("value", ["n", "-n-1", 1 << 40])
def test_index_out_of_range_fails_the_run(dims, bad, axis, where, value):
    """Both runtimes stop with the first bad index (row-major), its range and its position."""
    x = torch.randn(dims)
    idx = torch.zeros(dims, dtype=torch.int64)
    n = dims[axis]
    data = edited(Fn(gather(axis)), (x, idx), lambda m: None)
    idx[bad] = {"n": n, "-n-1": -n - 1}.get(value, value)
    later = tuple(d - 1 for d in dims)
    if later != bad:
        idx[later] = n + 7     # a later bad index is not the one named
    message = f"index {int(idx[bad])} out of range [-{n}, {n}) on axis {axis} at indices{where}"
    py, c = run_errors(data, x.numpy(), idx.numpy())
    assert py is not None and message in py and "GATHER_ELEMENTS" in py, py
    assert c is not None and message in c and "GATHER_ELEMENTS" in c, c


@pytest.mark.parametrize("batch_dims,xs,idx", [
    (0, (2, 3, 4), [[0, 1], [1, -1], [-2, 2]]),
    (0, (2, 3, 4), [[[1, 2, 3]], [[-1, -3, 0]]]),
    (0, (5, 4), [[4], [0], [-5]]),
    (1, (2, 3, 4), [[[2], [0]], [[-1], [1]]]),
    (1, (2, 3, 4), [[1, 3], [-2, -4]]),
])
def test_onnx_gather_nd(batch_dims, xs, idx):
    """GatherND over a linear index into the flattened data (negative components wrapped)."""
    x = np.random.default_rng(0).standard_normal(xs).astype(np.float32)
    idx = np.array(idx, np.int64)
    shape = list(idx.shape[:-1]) + list(xs[batch_dims + idx.shape[-1]:])
    data = onnx_node("GatherND", {"x": x}, shape, constants={"i": idx}, batch_dims=batch_dims)
    node = oh.make_node("GatherND", ["x", "i"], ["y"], batch_dims=batch_dims)
    sizes = np.array(xs[batch_dims:batch_dims + idx.shape[-1]])
    want = ReferenceEvaluator(node).run(None, {"x": x, "i": np.where(idx < 0, idx + sizes, idx)})[0]
    assert "GATHER" in runtime_py.load(data).method().operators
    for got in run_both(data, x):
        np.testing.assert_array_equal(got[0], want)


def test_onnx_gather_nd_component_out_of_range_fails_the_run():
    """A component outside [-n, n) fails (its GATHER names it), even where the linear index
    it would give lands inside the data."""
    x = np.zeros((3, 4), np.float32)
    idx = np.array([[0, 1], [1, 2]], np.int64)
    data = onnx_node("GatherND", {"x": x, "i": idx}, [2])
    for got in run_both(data, x, idx):
        np.testing.assert_array_equal(got[0], [0, 0])
    idx[1, 1] = 5                  # row 1, column 5 of 4: inside the 12 elements
    py, c = run_errors(data, x, idx)
    assert py is not None and "index 5 out of range [-4, 4)" in py, py
    assert c is not None and "index 5 out of range [-4, 4)" in c, c


def _gather_file():
    return Fn(gather(1)), (torch.randn(3, 4), torch.randint(0, 4, (3, 2)))


@pytest.mark.parametrize("edit,message", [
    (lambda m: setattr(first_op(m, "GATHER_ELEMENTS").options, "axis", 2), "axis 2 out of range for rank 2"),
    (lambda m: setattr(first_op(m, "GATHER_ELEMENTS").options, "axis", -1), "axis -1 out of range for rank 2"),
])
def test_bad_options_are_refused(edit, message):
    py, c = refusals(edited(*_gather_file(), edit))
    assert py is not None and message in py, py
    assert c is not None and message in c, c


def test_indices_larger_than_data_are_refused():
    """Off the axis the indices may not be larger than the data: a file that claims so (its
    data shrunk to [2, 4]) is refused by both loaders."""
    def shrink(m):
        crafted.set_shape(m.tensors[m.inputs[0]], [2, 4])
    py, c = refusals(edited(*_gather_file(), shrink))
    assert py is not None and "larger than data" in py, py
    assert c is not None and "larger than data" in c, c
