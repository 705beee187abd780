"""SCATTER_ELEMENTS: torch scatter (src larger than index, a scalar value), scatter_add with
duplicate targets, scatter_reduce with every reduction with and without self, on every
axis (negative dims) at and past vector widths, integer and BOOL dtypes, empty indices and
data, a dynamic batch; slice_scatter (x[1:3, ::2] = y, any step) and select_scatter; ONNX
ScatterElements and the deprecated Scatter with every reduction, negative and INT32
indices and duplicates (a later position wins), TensorScatter (linear, circular); float
sums bit-exact between the runtimes; an index out of range fails the run in both runtimes
before anything is written; bad files refused by both."""
import numpy as np
import onnx.helper as oh
import pytest
import torch
from onnx.reference import ReferenceEvaluator

import runtime_py
from exporter import DynamicDim
from index_lib import edited, first_op, kept_whole, onnx_node, refusals, run_both, run_errors
from oplib import Fn, check_op, randint

aten = torch.ops.aten
REDUCES = ["sum", "prod", "amax", "amin", "mean"]


def targets(n, shape, lo=0):
    return torch.randint(lo, n, shape)


@pytest.mark.parametrize("shape,dim,index_shape", [
    ((17,), 0, (9,)), ((3, 33), 1, (3, 17)), ((3, 33), -1, (2, 40)), ((6, 5), 0, (9, 5)),
    ((2, 3, 4), 1, (2, 5, 4)), ((2, 3, 4), -3, (1, 2, 3)), ((2, 17, 3), -2, (2, 0, 3)),
])
def test_scatter_src(shape, dim, index_shape):
    """src one larger than index on every dimension: only the index-shaped part is read."""
    src = torch.randn([s + 1 for s in index_shape])
    check_op(lambda x, i, s: x.scatter(dim, i, s), (torch.randn(shape), targets(shape[dim], index_shape), src),
             "SCATTER_ELEMENTS")


def test_scatter_value():
    check_op(lambda x, i: x.scatter(1, i, -2.5), (torch.randn(4, 33), targets(33, (4, 17))), "SCATTER_ELEMENTS")
    check_op(lambda x, i: x.scatter(0, i, 7), (randint((5, 3)), targets(5, (2, 3))), "SCATTER_ELEMENTS")


def test_scatter_inplace_method():
    def fn(x, i, s):
        return x.clone().scatter_(1, i, s)
    check_op(fn, (torch.randn(4, 5), targets(5, (4, 1)), torch.randn(4, 1)), "SCATTER_ELEMENTS")


@pytest.mark.parametrize("shape,dim", [((33,), 0), ((4, 17), 1), ((4, 17), -2), ((2, 3, 5), 2)])
def test_scatter_add_duplicates(shape, dim):
    index_shape = list(shape)
    index_shape[dim] *= 3          # every target hit about three times
    src = torch.randn(index_shape) * 10
    check_op(lambda x, i, s: x.scatter_add(dim, i, s), (torch.randn(shape), targets(shape[dim], index_shape), src),
             "SCATTER_ELEMENTS")


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce(reduce, include_self):
    x, src = torch.randn(5, 33), torch.rand(9, 33) + 0.5
    check_op(lambda x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
             (x, targets(5, (9, 33)), src), "SCATTER_ELEMENTS")


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES[:4])
@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
def test_scatter_reduce_integers(dtype, reduce, include_self):
    """Integers wrap (int8 sums and products overflow here) as torch and numpy."""
    lo = 0 if dtype == torch.uint8 else -100
    x, src = randint((4, 17), lo, 100, dtype), randint((6, 17), lo, 100, dtype)
    check_op(lambda x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
             (x, targets(4, (6, 17)), src), "SCATTER_ELEMENTS")


def test_scatter_reduce_nan_and_infinities():
    x = torch.tensor([[1.0, float("nan"), 3.0, -float("inf")]])
    src = torch.tensor([[float("nan"), 2.0, float("inf"), 0.0, 5.0]])
    index = torch.tensor([[0, 1, 2, 3, 0]])
    for reduce in REDUCES[:4]:
        check_op(lambda x, i, s, r=reduce: x.scatter_reduce(1, i, s, r), (x, index, src), "SCATTER_ELEMENTS")


def test_scatter_bool():
    x, src = torch.rand(3, 9) > 0.5, torch.rand(3, 9) > 0.5
    check_op(lambda x, i, s: x.scatter(1, i, s), (x, targets(9, (3, 4)), src), "SCATTER_ELEMENTS")
    check_op(lambda x, i, s: x.scatter_add(1, i, s), (x, targets(9, (3, 9)), src), "SCATTER_ELEMENTS")


def test_scatter_scalar():
    check_op(lambda x, i, s: x.scatter(0, i, s), (torch.tensor(1.5), torch.tensor(0), torch.tensor(-4.0)),
             "SCATTER_ELEMENTS")


class MeanOfOthers(torch.nn.Module):
    """Named inputs: torch.export matches dynamic_shapes to a plain signature only."""

    def forward(self, x, i, s):
        return x.scatter_reduce(1, i, s, "mean", include_self=False)


def test_scatter_reduce_dynamic_batch():
    def case(b):
        return torch.randn(b, 9), targets(9, (b, 5)), torch.randn(b, 5)
    check_op(MeanOfOthers(), case(4), "SCATTER_ELEMENTS", dynamic=[DynamicDim("batch", 0, 8)],
             extra_inputs=[case(1), case(8)])


def test_scatter_into_empty_data():
    check_op(lambda x, i, s: x.scatter_add(0, i, s), (torch.randn(0, 5), targets(1, (0, 5)), torch.randn(0, 5)),
             "SCATTER_ELEMENTS")


@pytest.mark.parametrize("fn,src_shape", [
    (lambda x, y: _assign(x, (slice(1, 3), slice(None, None, 2)), y), (2, 9)),
    (lambda x, y: _assign(x, (slice(None), slice(1, 16, 3)), y), (6, 5)),
    (lambda x, y: _assign(x, (slice(-3, None),), y), (3, 17)),
    (lambda x, y: torch.slice_scatter(x, y, 1, 0, 17, 4), (6, 5)),
    (lambda x, y: torch.slice_scatter(x, y, 0, -4, None, 1), (4, 17)),
])
def test_slice_scatter(fn, src_shape):
    check_op(fn, (torch.randn(6, 17), torch.randn(src_shape)), "SCATTER_ELEMENTS")


def _assign(x, where, y):
    x = x.clone()
    x[where] = y
    return x


@pytest.mark.parametrize("dim,index", [(1, -2), (0, 3), (-1, 0)])
def test_select_scatter(dim, index):
    """torch.export rewrites select_scatter into a WHERE itself; kept whole (as a .pt2 or
    another torch release may hand it over) it lowers to SCATTER_ELEMENTS."""
    x = torch.randn(4, 17)
    src = torch.randn(x.select(dim, index).shape)
    with kept_whole(aten.select_scatter.default):
        check_op(lambda x, s: torch.select_scatter(x, s, dim, index), (x, src), "SCATTER_ELEMENTS")


ONNX_REDUCTIONS = {"none": None, "add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


def _reference(x, idx, upd, axis, reduction):
    out = x.copy()
    for pos in np.ndindex(*idx.shape):
        j = list(pos)
        j[axis] = idx[pos] % x.shape[axis]
        j = tuple(j)
        f = ONNX_REDUCTIONS[reduction]
        out[j] = upd[pos] if f is None else f(out[j], upd[pos])
    return out


@pytest.mark.parametrize("reduction", list(ONNX_REDUCTIONS))
@pytest.mark.parametrize("itype", [np.int64, np.int32])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_onnx_scatter_elements(reduction, itype, dtype):
    """Negative indices and duplicates; NONE: the later position wins."""
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((3, 17)) * 10).astype(dtype)
    idx = rng.integers(-17, 17, (3, 20)).astype(itype)
    idx[0, :3] = [4, -13, 4]                       # one target three times
    upd = (rng.standard_normal((3, 20)) * 10).astype(dtype)
    data = onnx_node("ScatterElements", {"x": x, "i": idx, "u": upd}, [3, 17], axis=-1, reduction=reduction)
    want = _reference(x, idx, upd, 1, reduction)
    py, c = run_both(data, x, idx, upd)
    np.testing.assert_array_equal(py[0], want)
    np.testing.assert_array_equal(c[0], want)


def test_onnx_deprecated_scatter():
    x = np.zeros((3, 3), np.float32)
    idx = np.array([[1, 0, 2], [0, 2, 1]], np.int64)
    upd = np.array([[1.0, 1.1, 1.2], [2.0, 2.1, 2.2]], np.float32)
    data = onnx_node("Scatter", {"x": x, "i": idx, "u": upd}, [3, 3], opset=10, axis=0)
    for got in run_both(data, x, idx, upd):
        np.testing.assert_array_equal(got[0], _reference(x, idx, upd, 0, "none"))


@pytest.mark.parametrize("mode,writes", [("linear", None), ("linear", [0, 3]), ("circular", [6, 2]),
                                         ("circular", [-2, 7])])
def test_onnx_tensor_scatter(mode, writes):
    """A KV-cache update: SCATTER_ELEMENTS at w + j along the sequence axis (circular wraps)."""
    rng = np.random.default_rng(4)
    cache, update = rng.standard_normal((2, 3, 8, 4)).astype(np.float32), rng.standard_normal((2, 3, 3, 4)).astype(
        np.float32)
    inputs = {"c": cache, "u": update}
    if writes is not None:
        inputs["w"] = np.array(writes, np.int64)
    data = onnx_node("TensorScatter", inputs, [2, 3, 8, 4], opset=24, mode=mode, axis=2)
    reference_writes = None if writes is None else np.array(writes, np.int64) % 8
    node = oh.make_node("TensorScatter", list(inputs), ["y"], mode=mode, axis=2)
    want = ReferenceEvaluator(node).run(None, {**inputs, **({} if writes is None else {"w": reference_writes})})[0]
    for got in run_both(data, *inputs.values()):
        np.testing.assert_array_equal(got[0], want)


def test_float_sums_are_bit_exact():
    """ADD accumulates one update at a time in row-major order in both runtimes (numpy's
    add.at), so float32 sums of many duplicates agree to the bit."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5)).astype(np.float32)
    idx = rng.integers(0, 5, (2, 999)).astype(np.int64)
    upd = (rng.standard_normal((2, 999)) * np.exp(rng.uniform(-8, 8, (2, 999)))).astype(np.float32)
    data = onnx_node("ScatterElements", {"x": x, "i": idx, "u": upd}, [2, 5], axis=1, reduction="add")
    py, c = run_both(data, x, idx, upd)
    np.testing.assert_array_equal(py[0], _reference(x, idx, upd, 1, "add"))
    assert py[0].tobytes() == c[0].tobytes()


@pytest.mark.parametrize("value,where", [(5, "[0, 1]"), (-6, "[0, 1]"), (1 << 40, "[0, 1]")])
def test_index_out_of_range_fails_the_run(value, where):
    """Every index is checked before anything is written; the first bad one is named."""
    x, src = torch.randn(3, 5), torch.randn(3, 2)
    idx = torch.zeros(3, 2, dtype=torch.int64)
    data = edited(Fn(lambda x, i, s: x.scatter_add(1, i, s)), (x, idx, src), lambda m: None)
    idx[0, 1], idx[2, 0] = value, 9
    py, c = run_errors(data, x.numpy(), idx.numpy(), src.numpy())
    message = f"index {value} out of range [-5, 5) on axis 1 at indices{where}"
    assert py is not None and message in py and "SCATTER_ELEMENTS" in py, py
    assert c is not None and message in c and "SCATTER_ELEMENTS" in c, c


def _scatter_file():
    return Fn(lambda x, i, s: x.scatter_add(1, i, s)), (torch.randn(3, 4), targets(4, (3, 2)), torch.randn(3, 2))


def _set(field, value):
    return lambda m: setattr(first_op(m, "SCATTER_ELEMENTS").options, field, value)


@pytest.mark.parametrize("edit,message", [
    (_set("axis", 2), "axis 2 out of range for rank 2"),
    (_set("axis", -1), "axis -1 out of range for rank 2"),
    (_set("reduction", 5), "reduction"),
    (_set("reduction", -1), "reduction"),
])
def test_bad_options_are_refused(edit, message):
    py, c = refusals(edited(*_scatter_file(), edit))
    assert py is not None and message in py, py
    assert c is not None and message in c, c


def test_updates_of_another_shape_are_refused():
    def wrong_updates(m):
        op = first_op(m, "SCATTER_ELEMENTS")
        op.inputs = [op.inputs[0], op.inputs[1], op.inputs[0]]     # data (3, 4) as updates for indices (3, 2)
    py, c = refusals(edited(*_scatter_file(), wrong_updates))
    assert py is not None and "differ in shape" in py, py
    assert c is not None and "differ in shape" in c, c


def test_output_over_indices_is_safe():
    """A hostile file whose operator writes its output over its own indices (the same INT64
    tensor): each runtime refuses it or runs it without an access outside the tensors (the C
    loader refuses an output already written; both kernels read every index before the copy
    of data and the C kernel re-checks each as it scatters, so neither depends on that)."""
    def alias(m):
        op = first_op(m, "SCATTER_ELEMENTS")
        op.outputs = [op.inputs[1]]
        m.outputs = [op.inputs[1]]
    x, idx, src = randint((3, 4), -9, 9), targets(4, (3, 4)), randint((3, 4), -9, 9)
    data = edited(Fn(lambda x, i, s: x.scatter(1, i, s)), (x, idx, src), alias)
    for backend in ("py", "c"):      # both loaders refuse a second writer of a tensor
        with pytest.raises(runtime_py.EmberError, match="already written"):
            runtime_py.load(data, backend=backend).run("forward", x.numpy(), idx.numpy(), src.numpy())

