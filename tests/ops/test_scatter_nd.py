"""SCATTER_ND: torch index_put (`x[i] = v`, `x[:, i] = v`, `x[i, j] = v` with index tensors
that broadcast, non-adjacent index tensors, negative and INT32 indices, scalar and
broadcast values, accumulate with duplicates, `x.index_put_`), every dtype, rows past
vector widths, a dynamic batch; BOOL masks (`x[mask] = v` becomes a WHERE; one value per
selected element is refused by name); masked_scatter (GATHER at cumsum(mask) - 1, WHERE);
ONNX ScatterND with every reduction, element and slice updates; an index component out of
range fails the run in both runtimes; bad files refused by both loaders."""
import numpy as np
import pytest
import torch

import crafted
from exporter import DynamicDim, UnsupportedOpsError, export_module
from index_lib import edited, first_op, onnx_node, refusals, run_both, run_errors
from oplib import Fn, check_op, randint


def put(assign):
    """A function of (x, *args) that assigns into a copy of x and returns it."""
    def fn(x, *args):
        x = x.clone()
        assign(x, *args)
        return x
    return fn


def _rows(x, i, v):
    x[i] = v


def _cols(x, i, v):
    x[:, i] = v


def _pair(x, i, j, v):
    x[i, j] = v


def _apart(x, i, j, v):
    x[i, :, j] = v


def _inner(x, i, j, v):
    x[:, i, j] = v


def _distinct(n, shape, negative=True):
    """Distinct targets (NONE with duplicates is not defined by torch), half of them negative."""
    flat = torch.randperm(n)[:int(np.prod(shape))]
    if negative:
        flat = torch.where(torch.arange(flat.numel()) % 2 == 1, flat - n, flat)
    return flat.reshape(shape)


@pytest.mark.parametrize("assign,x_shape,indices,v_shape", [
    (_rows, (5, 33), [_distinct(5, (3,))], (3, 33)),
    (_rows, (5, 33), [_distinct(5, (2, 2))], (33,)),
    (_rows, (40,), [_distinct(40, (17,))], (17,)),
    (_cols, (4, 17), [_distinct(17, (2, 3))], (4, 2, 3)),
    (_cols, (4, 17), [_distinct(17, (9,))], (1, 9)),
    (_pair, (4, 17), [torch.tensor([[0], [-1]]), torch.tensor([1, 5, -2])], ()),
    (_pair, (4, 17), [torch.tensor([3, 0]), torch.tensor([-1, 2])], (2,)),
    (_apart, (3, 4, 5), [torch.tensor([0, 2]), torch.tensor([1, -1])], (2, 4)),
    (_inner, (3, 4, 5), [torch.tensor([0, -2]), torch.tensor([[1], [-1]])], (3, 2, 2)),
])
def test_index_put(assign, x_shape, indices, v_shape):
    ops = check_op(put(assign), (torch.randn(x_shape), *indices, torch.randn(v_shape)), "SCATTER_ND")
    assert "GATHER" not in ops


def test_index_put_int32_indices():
    check_op(put(_cols), (torch.randn(4, 9), _distinct(9, (4,)).int(), torch.randn(4, 4)), "SCATTER_ND")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8, torch.bool])
def test_index_put_dtypes(dtype):
    if dtype == torch.bool:
        x, v = torch.rand(6, 17) > 0.5, torch.rand(3, 17) > 0.5
    else:
        x, v = randint((6, 17), 0, 100, dtype), randint((3, 17), 0, 100, dtype)
    check_op(put(_rows), (x, _distinct(6, (3,)), v), "SCATTER_ND")


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.int8])
def test_index_put_accumulate_duplicates(dtype):
    """accumulate=True sums duplicates in order (integers wrap)."""
    x, v = randint((5, 33), -100, 100, dtype), randint((40, 33), -100, 100, dtype)
    if dtype == torch.float32:
        x, v = torch.randn(5, 33), torch.randn(40, 33) * 100
    idx = torch.randint(-5, 5, (40,))
    check_op(lambda x, i, v: x.index_put((i,), v, accumulate=True), (x, idx, v), "SCATTER_ND")
    check_op(lambda x, i, j, v: x.index_put((i, j), v, accumulate=True),
             (x, idx, torch.randint(0, 33, (40,)), v[:, 0]), "SCATTER_ND")


def test_index_put_inplace_method():
    check_op(lambda x, i, v: x.clone().index_put_((i,), v), (torch.randn(7, 3), _distinct(7, (2,)),
                                                            torch.randn(2, 3)), "SCATTER_ND")


class Columns(torch.nn.Module):
    """x[:, (2, -1)] = v over a dynamic batch (the index a buffer: every input has the batch)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("i", torch.tensor([2, -1]))

    def forward(self, x, v):
        x = x.clone()
        x[:, self.i] = v
        return x


def test_index_put_dynamic_batch():
    def case(b):
        return torch.randn(b, 9), torch.randn(b, 2)
    check_op(Columns(), case(4), "SCATTER_ND", dynamic=[DynamicDim("batch", 0, 8)],
             extra_inputs=[case(1), case(8)])


@pytest.mark.parametrize("accumulate", [False, True])
def test_bool_mask_with_broadcast_values(accumulate):
    x = torch.randn(4, 17)
    check_op(lambda x: x.index_put((x > 0,), torch.tensor(0.5), accumulate), (x,), "WHERE")
    rows = torch.tensor([True, False, True, True])
    check_op(lambda x, m, v: x.index_put((m,), v, accumulate), (x, rows, torch.randn(17)), "WHERE")
    check_op(put(lambda x, m, v: x.__setitem__((slice(None), m), v)), (x, torch.rand(17) > 0.5, torch.randn(4, 1)),
             "WHERE")


def test_assign_zero_under_a_mask():
    check_op(put(lambda x: x.__setitem__(x < 0, 0)), (torch.randn(3, 33),), "WHERE")


def test_bool_mask_with_a_value_per_element_is_refused():
    with pytest.raises(UnsupportedOpsError, match="one value per selected element"):
        export_module(Fn(put(lambda x, m, v: x.__setitem__(m, v))).eval(),
                      (torch.randn(4, 5), torch.tensor([True, False, True, False]), torch.randn(2, 5)))


@pytest.mark.parametrize("mask_shape", [(4, 17), (17,), (4, 1)])
def test_masked_scatter(mask_shape):
    x, mask = torch.randn(4, 17), torch.rand(mask_shape) > 0.5
    ops = check_op(lambda x, m, s: x.masked_scatter(m, s), (x, mask, torch.randn(80)), "GATHER")
    assert "CUMSUM" in ops and "WHERE" in ops


def _reference(x, idx, upd, reduction):
    out = x.copy()
    k = idx.shape[-1]
    ops = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}
    for p in np.ndindex(*idx.shape[:-1]):
        t = tuple(int(v) % n for v, n in zip(idx[p], x.shape[:k]))
        out[t] = upd[p] if reduction == "none" else ops[reduction](out[t], upd[p])
    return out


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
@pytest.mark.parametrize("itype", [np.int64, np.int32])
@pytest.mark.parametrize("x_shape,idx", [
    ((4, 4, 4), [[0], [2], [-1], [0]]),                        # slices; a repeated one
    ((4, 17), [[[0, 1], [3, -1]], [[-4, 16], [0, 1]]]),        # elements, (2, 2) tuples
    ((33,), [[5], [-5], [5], [32]]),
])
def test_onnx_scatter_nd(reduction, itype, x_shape, idx):
    """Every reduction (NONE: the later tuple wins); negative and INT32 indices."""
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(x_shape) * 4).astype(np.float32)
    idx = np.array(idx, itype)
    upd = (rng.standard_normal(idx.shape[:-1] + x_shape[idx.shape[-1]:]) * 4).astype(np.float32)
    data = onnx_node("ScatterND", {"x": x, "i": idx, "u": upd}, list(x_shape), reduction=reduction)
    want = _reference(x, idx, upd, reduction)
    py, c = run_both(data, x, idx, upd)
    np.testing.assert_array_equal(py[0], want)
    np.testing.assert_array_equal(c[0], want)


def test_onnx_scatter_nd_integers_wrap():
    x = np.array([100, -100, 5], np.int8)
    idx = np.array([[0], [0], [1], [2]], np.int64)
    upd = np.array([100, 27, -100, 7], np.int8)
    data = onnx_node("ScatterND", {"x": x, "i": idx, "u": upd}, [3], reduction="add")
    for got in run_both(data, x, idx, upd):
        np.testing.assert_array_equal(got[0], np.array([-29, 56, 12], np.int8))


@pytest.mark.parametrize("bad,value,message", [
    ((1, 0), 5, "index 5 out of range [-5, 5) for data dimension 0 at indices[1, 0]"),
    ((0, 1), -8, "index -8 out of range [-7, 7) for data dimension 1 at indices[0, 1]"),
    ((2, 1), 1 << 40, f"index {1 << 40} out of range [-7, 7) for data dimension 1 at indices[2, 1]"),
])
def test_index_out_of_range_fails_the_run(bad, value, message):
    x, v = torch.randn(5, 7), torch.randn(3)
    i, j = torch.tensor([0, 1, 2]), torch.tensor([0, 1, 2])
    data = edited(Fn(put(_pair)), (x, i, j, v), lambda m: None)
    (i if bad[1] == 0 else j)[bad[0]] = value
    py, c = run_errors(data, x.numpy(), i.numpy(), j.numpy(), v.numpy())
    assert py is not None and message in py and "SCATTER_ND" in py, py
    assert c is not None and message in c and "SCATTER_ND" in c, c


def _nd_file():
    return Fn(put(_rows)), (torch.randn(5, 3), torch.tensor([1, 3]), torch.randn(2, 3))


def test_bad_reduction_is_refused():
    py, c = refusals(edited(*_nd_file(), lambda m: setattr(first_op(m, "SCATTER_ND").options, "reduction", 9)))
    assert py is not None and "reduction" in py, py
    assert c is not None and "reduction" in c, c


def test_index_tuples_longer_than_the_rank_are_refused():
    """k = indices.shape[-1] must be in [1, rank(data)]: a file whose (5, 7) data is claimed
    to be (35,) while read with pairs is refused before anything runs."""
    def flat_data(m):
        crafted.set_shape(m.tensors[first_op(m, "SCATTER_ND").inputs[0]], [35])
    data = edited(Fn(put(_pair)), (torch.randn(5, 7), torch.tensor([0, 1]), torch.tensor([2, 3]), torch.randn(2)),
                  flat_data)
    py, c = refusals(data)
    assert py is not None and "last dimension in [1, 1]" in py, py
    assert c is not None and "last dimension in [1, 1]" in c, c
