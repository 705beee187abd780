"""TOPK: torch.topk (k = 0, 1, within and past the small-k path, all of n; largest both
ways; every axis, a strided one included), torch.sort / argsort (both directions, stable
with ties, integer dtypes and BOOL, NaN and infinities), long rows (the merge sort), a
dynamic sort axis (scratch planned at the maximum), 1, 2 and 3 threads bit-identical, a
bad axis and a k past n refused by both loaders. Values are GATHER_ELEMENTS of the
indices. Where equal values make torch's topk order unspecified, the indices are checked
against a stable sort and the values against eager."""
import os
import subprocess

import numpy as np
import pytest
import torch

import crafted
from exporter import DynamicDim, export_module
from helpers import export_load
from oplib import Fn1, check_op, randint
from order_lib import refusals, run_both, with_options

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def distinct(*shape):
    """Floats without ties (a permutation), so any correct order is torch's."""
    n = int(np.prod(shape))
    return (torch.randperm(n).float() - n / 2).reshape(shape) / 4


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("shape,k,dim", [((33,), 5, 0), ((3, 33), 1, 1), ((3, 33), 16, -1), ((3, 33), 17, 1),
                                         ((3, 33), 33, 1), ((33, 3), 20, 0), ((2, 17, 3), 4, 1),
                                         ((2, 17, 3), 17, -2), ((4, 1), 1, 1)])
def test_topk(shape, k, dim, largest):
    check_op(lambda x: torch.topk(x, k, dim, largest=largest), (distinct(*shape),), "TOPK")


def test_topk_k_zero():
    check_op(lambda x: torch.topk(x, 0, 1), (distinct(3, 5),), "TOPK")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
def test_topk_integer_indices(dtype):
    x = torch.randperm(100)[:33].to(dtype).reshape(3, 11)
    check_op(lambda x: torch.topk(x, 4, -1), (x,), "TOPK")


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("shape,dim", [((17,), 0), ((3, 33), -1), ((33, 3), 0), ((2, 9, 3), 1)])
def test_sort(shape, dim, descending):
    check_op(lambda x: torch.sort(x, dim=dim, descending=descending), (distinct(*shape),), "TOPK")


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.int32, torch.int8, torch.uint8])
def test_stable_sort_with_ties(dtype, descending):
    """Equal values keep their input order (torch's stable=True)."""
    lo = 0 if dtype == torch.uint8 else -2
    x = randint((4, 40), lo, lo + 4, dtype)
    check_op(lambda x: torch.sort(x, dim=-1, descending=descending, stable=True), (x,), "TOPK")


def test_stable_sort_bool():
    check_op(lambda x: torch.sort(x, dim=1, stable=True).indices, (torch.rand(3, 20) > 0.5,), "TOPK")


@pytest.mark.parametrize("descending", [False, True])
def test_argsort(descending):
    check_op(lambda x: torch.argsort(x, dim=-1, descending=descending, stable=True),
             (randint((3, 33), -3, 3),), "TOPK")


@pytest.mark.parametrize("descending", [False, True])
def test_sort_nan_and_infinities(descending):
    """NaN above every number: last ascending, first descending, in input order."""
    x = torch.randn(3, 21)
    x[0, 2] = x[0, 9] = x[0, 20] = float("nan")
    x[1, 0] = float("inf")
    x[1, 5] = float("-inf")
    x[1, 7] = float("nan")
    x[2, 3] = x[2, 4] = float("inf")
    check_op(lambda x: torch.sort(x, dim=1, descending=descending, stable=True), (x,), "TOPK")


def test_sort_long_rows():
    """Rows of 1000 (ten merge passes) with ties."""
    check_op(lambda x: torch.sort(x, dim=-1, stable=True), (torch.randint(-50, 50, (3, 1000)).float(),), "TOPK")


def stable_reference(x, k, dim, largest):
    """(values, indices) of a stable sort's first k (NaN above every number)."""
    values, indices = torch.sort(x, dim=dim, descending=largest, stable=True)
    return values.narrow(dim, 0, k).numpy(), indices.narrow(dim, 0, k).numpy()


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [3, 18])
def test_topk_ties_keep_input_order(k, largest):
    x = torch.randint(-2, 3, (3, 25)).float()
    x[0, 4] = x[0, 6] = float("nan")
    model = Fn1(lambda x: torch.topk(x, k, 1, largest=largest))
    program, data = export_load(model, (x,))
    assert "TOPK" in program.method().operators
    want_v, want_i = stable_reference(x, k, 1, largest)
    eager_v = torch.topk(x, k, 1, largest=largest).values.numpy()
    for values, indices in run_both(data, x.numpy()):
        np.testing.assert_array_equal(indices, want_i)
        np.testing.assert_array_equal(values, want_v)
        np.testing.assert_array_equal(values, eager_v)


def test_sort_dynamic_axis():
    """n dynamic up to 40: the kernel scratch is planned for the maximum."""
    check_op(lambda x: torch.sort(x, dim=1, stable=True), (randint((2, 40), -5, 5),), "TOPK",
             dynamic=[DynamicDim("n", 1, 40)], extra_inputs=[(randint((2, 1), -5, 5),), (randint((2, 23), -5, 5),)])


def test_threads_agree(tmp_path):
    """The native test binary runs the bundled test case at 1, 2 and 3 threads (rows split
    over tasks, one scratch slice each): bit-identical."""
    data = export_module(Fn1(lambda x: torch.sort(x, dim=-1, stable=True)).eval(),
                         (torch.randint(-9, 9, (64, 300)).float(),))
    path = tmp_path / "sort.ember"
    path.write_bytes(data)
    r = subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "runtime_c"), "tests"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    r = subprocess.run([os.path.join(ROOT, "runtime_c", "build", "native_test"), str(path)], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "PASS thread counts:" in r.stdout and "FAIL thread count" not in r.stdout, r.stdout[-3000:]


def argsort_program():
    return export_module(Fn1(lambda x: torch.argsort(x, dim=1)).eval(), (torch.randn(2, 3),))


def test_bad_axis_is_refused():
    data = with_options(Fn1(lambda x: torch.argsort(x, dim=1)), (torch.randn(2, 3),), "TOPK",
                        lambda o: setattr(o, "axis", 2))
    py, c = refusals(data)
    assert py is not None and "axis 2 out of range for rank 2" in py, py
    assert c is not None and "axis 2 out of range for rank 2" in c, c


def test_k_past_n_is_refused():
    def grow(program):
        m = program.methods[0]
        out = m.tensors[m.outputs[0]]
        crafted.set_shape(out, [2, 4])
        out.offset = -(-m.arenaSize // 64) * 64          # a region of its own
        m.arenaSize = out.offset + out.nbytes
    py, c = refusals(crafted.edit(argsort_program(), grow))
    assert py is not None and "with at most its size on axis 1" in py, py
    assert c is not None and "with at most its size on axis 1" in c, c
