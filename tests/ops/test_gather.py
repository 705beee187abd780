"""GATHER: nn.Embedding, F.embedding with weights as input, index_select on every axis,
advanced indexing x[idx] / x[:, idx] with negative and multi-dimensional indices, int32
indices."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from oplib import check_op


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4)])
def test_embedding(shape):
    check_op(nn.Embedding(10, 4), (torch.randint(0, 10, shape),), "GATHER")


def test_embedding_weight_input():
    check_op(F.embedding, (torch.tensor([[0, 6], [6, 3]]), torch.randn(7, 3)), "GATHER")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dim):
    x = torch.randn(4, 5, 6)
    idx = torch.randint(0, x.shape[dim], (7,))
    check_op(lambda x, i: torch.index_select(x, dim, i), (x, idx), "GATHER")


@pytest.mark.parametrize("fn,idx", [
    (lambda x, i: x[i], torch.tensor([0, -1, 2, -4, 3])),
    (lambda x, i: x[:, i], torch.tensor([[-1, 0], [2, -3]])),
    (lambda x, i: x[..., i], torch.tensor([5, -6, 0])),
    (lambda x, i: x[i], torch.tensor([1, -2], dtype=torch.int32)),
])
def test_advanced_indexing(fn, idx):
    check_op(fn, (torch.randn(4, 5, 6), idx), "GATHER")


def test_gather_int64_data():
    check_op(lambda x, i: x[i], (torch.randint(-9, 9, (6, 2)), torch.tensor([5, -6, 0])), "GATHER")


@pytest.mark.parametrize("fn", [
    lambda x, i, j: x[i, j],                 # adjacent, in front
    lambda x, i, j: x[:, i, j],              # adjacent, after a kept axis
    lambda x, i, j: x[i, :, j],              # apart: the index axes go first
    lambda x, i, j: x[:, i.view(-1, 1), j],  # broadcast (2,1) with (2,)
])
def test_several_index_tensors(fn):
    x = torch.randn(4, 5, 6, 3)
    i, j = torch.tensor([0, -1]), torch.tensor([3, -2])
    check_op(fn, (x, i, j), "GATHER")


def test_several_constant_index_tensors():
    rows, cols = torch.tensor([[0], [2]]), torch.tensor([1, -1, 0])
    check_op(lambda x: x[:, rows, cols] * 2, (torch.randn(2, 3, 4),), "GATHER")


def test_several_index_tensors_out_of_range_fails_the_run():
    import numpy as np
    import runtime_py
    from exporter import export_module
    from oplib import Fn
    data = export_module(Fn(lambda x, i, j: x[i, j]), (torch.randn(4, 5), torch.tensor([1]), torch.tensor([2])))
    x = np.zeros((4, 5), np.float32)
    for backend in ("py", "c"):
        program = runtime_py.load(data, backend=backend)
        with pytest.raises(runtime_py.EmberError, match="out of range"):
            program.run("forward", x, np.array([1]), np.array([5]))
