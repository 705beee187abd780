"""MOD: torch.remainder and Python's % (remainder.Tensor, .Scalar, .Scalar_Tensor) on float32
and every integer dtype, broadcasting, special values (the float bits equal in both
runtimes), INT_MIN % -1, a zero integer divisor (a run-time error in both runtimes, as torch
raises); floor division (div rounding_mode="floor", //) lowered through MOD, exact on
integers; and the bitwise Scalar overloads (bool tensors) lowered by the same change."""
import numpy as np
import pytest
import torch

import crafted
import runtime_py
from helpers import export_load
from oplib import Fn, Fn1, check_op, randint
from schema import fb

SHAPES = [((17,), (17,)), ((2, 33), (33,)), ((2, 3, 1), (4,)), ((3, 1), (1, 5)), ((4,), ()), ((0, 4), (4,))]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -7.0, 1e-30, float("inf"), float("-inf"), float("nan")]


def model_of(fn, inputs):
    return Fn1(fn) if len(inputs) == 1 else Fn(fn)


def check_exact(fn, inputs, op):
    """check_op, then the C runtime's outputs equal the Python runtime's bit for bit (NaN's
    and zeros' signs included)."""
    model = model_of(fn, inputs)
    _, data = export_load(model, inputs)
    ops = check_op(model, inputs, op, data=data)
    arrays = [t.numpy() for t in inputs]
    py = runtime_py.load(data).run("forward", *arrays)
    c = runtime_py.load(data, backend="c").run("forward", *arrays)
    for p, q in zip(py, c):
        np.testing.assert_array_equal(p.view(np.uint8), q.view(np.uint8))
    return ops


def divisor(shape, dtype=torch.float32):
    """Nonzero values of both signs."""
    v = torch.randint(1, 9, shape) * (torch.randint(0, 2, shape) * 2 - 1)
    return v.to(dtype) if dtype != torch.float32 else v * torch.rand(shape) + 0.25 * torch.sign(v)


def assert_division_by_zero(fn, inputs):
    """Eager torch raises; both runtimes fail the run with a message."""
    with pytest.raises((ZeroDivisionError, RuntimeError), match="ZeroDivisionError|division"):
        fn(*inputs)
    nonzero = [torch.where(t == 0, torch.ones_like(t), t) for t in inputs]
    _, data = export_load(model_of(fn, nonzero), nonzero)
    for backend in ("py", "c"):
        with pytest.raises(runtime_py.ExecutionError, match="division by zero"):
            runtime_py.load(data, backend=backend).run("forward", *[t.numpy() for t in inputs])


@pytest.mark.parametrize("a,b", SHAPES)
def test_mod_float(a, b):
    check_exact(lambda x, y: x % y, (torch.randn(a) * 20, divisor(b)), "MOD")


def test_mod_float_exact_multiples_and_special_values():
    x, y = torch.tensor(SPECIAL).reshape(-1, 1), torch.tensor(SPECIAL)
    check_exact(torch.remainder, (x, y), "MOD")
    k = torch.randint(-9, 9, (33,)).float()
    y = divisor((33,))
    check_exact(torch.remainder, (k * y, y), "MOD")


@pytest.mark.parametrize("fn", [lambda x: x % 3, lambda x: x % -2.5, lambda x: 7 % x, lambda x: -7.5 % x,
                                lambda x: torch.remainder(x, 0.1)])
def test_mod_scalar(fn):
    check_exact(fn, (divisor((2, 17)) * 3,), "MOD")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
@pytest.mark.parametrize("a,b", SHAPES[:4])
def test_mod_integer(dtype, a, b):
    lo = 0 if dtype == torch.uint8 else -100
    y = divisor(b, dtype) if dtype != torch.uint8 else torch.randint(1, 9, b, dtype=dtype)
    check_op(torch.remainder, (torch.randint(lo, 100, a, dtype=dtype), y), "MOD")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8])
def test_mod_integer_extremes(dtype):
    info = torch.iinfo(dtype)
    x = torch.tensor([info.min, info.min, info.max, info.min + 1, -1, 0, 5], dtype=dtype)
    y = torch.tensor([-1, 1, -1, info.max, info.min, info.min, -3], dtype=dtype)
    check_op(torch.remainder, (x, y), "MOD")
    check_op(lambda v: v % 3, (x,), "MOD")


def test_mod_int_tensor_float_scalar():
    check_exact(lambda x: x % 2.5, (randint((17,)),), "MOD")


def test_mod_zero_integer_divisor_is_a_runtime_error():
    assert_division_by_zero(torch.remainder, (randint((2, 17)), torch.tensor([3, 0] * 8 + [1])))
    assert_division_by_zero(torch.remainder, (randint((3,), dtype=torch.int32), torch.zeros(1, dtype=torch.int32)))


def test_mod_float_zero_divisor_is_nan():
    check_exact(torch.remainder, (torch.randn(17), torch.zeros(17)), "MOD")


# ---- floor division: (a - MOD(a, b)) / b ------------------------------------------------
@pytest.mark.parametrize("a,b", SHAPES)
def test_floor_divide_float(a, b):
    check_op(lambda x, y: torch.div(x, y, rounding_mode="floor"), (torch.randn(a) * 20, divisor(b)), "MOD")


def test_floor_divide_float_exact_multiples_and_zero():
    """0.3 // 0.1 and 1.0 // 0.1 as torch computes them (3 and 9, not floor(a / b)); a zero
    divisor gives a / b (+-inf, NaN)."""
    x = torch.tensor([0.3, 1.0, -0.3, -1.0, 5.0, 0.0, 7.0, -2.0, 0.0, 1e-3] * 3 + [2.0, -3.0, 4.5])
    check_op(lambda v: v // 0.1, (x,), "MOD")
    y = torch.tensor([0.1, 0.1, 0.1, -0.1, 0.0, 0.0, -0.0, 3.0, 2.0, 1e-4] * 3 + [0.5, 0.25, -1.5])
    check_op(lambda u, v: torch.div(u, v, rounding_mode="floor"), (x, y), "MOD")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
def test_floor_divide_integer(dtype):
    lo = 0 if dtype == torch.uint8 else -100
    y = divisor((17,), dtype) if dtype != torch.uint8 else torch.randint(1, 9, (17,), dtype=dtype)
    check_op(lambda u, v: u // v, (torch.randint(lo, 100, (2, 17), dtype=dtype), y), "MOD")
    check_op(lambda u: torch.div(u, 7, rounding_mode="floor"), (torch.randint(lo, 100, (17,), dtype=dtype),), "MOD")


def test_floor_divide_int64_is_exact_past_float64():
    """Quotients past 2**53 (where DIV's float64 rounds) come out exact."""
    big = torch.tensor([2**62 + 1, -(2**62) - 3, 2**63 - 1, -(2**63), 2**53 + 1, -(2**55) - 7, 12345678901234567, 3])
    y = torch.tensor([3, 7, -5, 9, 2, -3, -1, 2**62])
    check_op(lambda u, v: torch.div(u, v, rounding_mode="floor"), (big, y), "MOD")


@pytest.mark.parametrize("dtype", [torch.int32, torch.int8])
def test_floor_divide_integer_extremes(dtype):
    """a - MOD(a, b) would overflow next to the dtype's limits; the lowering never forms it."""
    info = torch.iinfo(dtype)
    x = torch.tensor([info.max, info.min, info.max, info.min, info.min + 1, info.max - 1], dtype=dtype)
    y = torch.tensor([-5, 9, 7, -7, info.max, info.min], dtype=dtype)
    check_op(lambda u, v: u // v, (x, y), "MOD")
    check_op(lambda u, v: torch.div(u, v, rounding_mode="trunc"), (x, y), "FMOD")


def test_floor_divide_integer_zero_divisor_is_a_runtime_error():
    assert_division_by_zero(lambda u, v: u // v, (randint((5,)), torch.tensor([1, 2, 0, 3, 4])))


# ---- the bitwise Scalar overloads: a Tensor form with a constant (bool tensors) ----------
@pytest.mark.parametrize("fn, op", [(lambda x: (x > 0) & True, "LOGICAL_AND"),
                                    (lambda x: (x > 0) | False, "LOGICAL_OR"),
                                    (lambda x: (x > 0) ^ True, "NOT_EQUAL")])
def test_bitwise_scalar_on_bool(fn, op):
    check_op(fn, (torch.randn(17),), op)


# ---- hostile programs --------------------------------------------------------------------
def test_mod_operands_of_two_dtypes_are_refused_by_both_loaders():
    _, data = export_load(Fn(torch.remainder), (torch.randn(4), divisor((4,))))

    def retype(p):
        m = p.methods[0]
        m.tensors[m.operators[0].inputs[1]].dtype = fb.DType.INT32    # same nbytes, another dtype
    bad = crafted.edit(data, retype)
    for backend in ("py", "c"):
        with pytest.raises(runtime_py.VerifyError, match="dtype"):
            runtime_py.load(bad, backend=backend).method("forward")
