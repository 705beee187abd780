"""FMOD: torch.fmod (fmod.Tensor, .Scalar) on float32 and every integer dtype,
broadcasting, special values (the float bits equal in both runtimes), INT_MIN fmod -1, a
zero integer divisor (a run-time error in both runtimes, as torch raises); truncating
division (div rounding_mode="trunc"): through FMOD on integers, exact; TRUNC(a / b) on
floats."""
import pytest
import torch

from oplib import check_op, randint
from test_mod import SHAPES, SPECIAL, assert_division_by_zero, check_exact, divisor


@pytest.mark.parametrize("a,b", SHAPES)
def test_fmod_float(a, b):
    check_exact(torch.fmod, (torch.randn(a) * 20, divisor(b)), "FMOD")


def test_fmod_float_special_values():
    check_exact(torch.fmod, (torch.tensor(SPECIAL).reshape(-1, 1), torch.tensor(SPECIAL)), "FMOD")
    check_exact(torch.fmod, (torch.tensor([1e30, -1e30, 3e-38, 16777217.0] * 5), divisor((20,))), "FMOD")


@pytest.mark.parametrize("s", [3, -2.5, 0.1])
def test_fmod_scalar(s):
    check_exact(lambda x: torch.fmod(x, s), (divisor((2, 17)) * 3,), "FMOD")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
@pytest.mark.parametrize("a,b", SHAPES[:4])
def test_fmod_integer(dtype, a, b):
    lo = 0 if dtype == torch.uint8 else -100
    y = divisor(b, dtype) if dtype != torch.uint8 else torch.randint(1, 9, b, dtype=dtype)
    check_op(torch.fmod, (torch.randint(lo, 100, a, dtype=dtype), y), "FMOD")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8])
def test_fmod_integer_extremes(dtype):
    info = torch.iinfo(dtype)
    x = torch.tensor([info.min, info.min, info.max, info.min + 1, -1, 0, 5], dtype=dtype)
    y = torch.tensor([-1, 1, -1, info.max, info.min, info.min, -3], dtype=dtype)
    check_op(torch.fmod, (x, y), "FMOD")
    check_op(lambda v: torch.fmod(v, -3), (x,), "FMOD")


def test_fmod_zero_integer_divisor_is_a_runtime_error():
    assert_division_by_zero(torch.fmod, (randint((2, 17)), torch.tensor([3, 0] * 8 + [1])))
    assert_division_by_zero(torch.fmod, (randint((4,), dtype=torch.int8), torch.tensor([0], dtype=torch.int8)))


# ---- truncating division -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int8, torch.uint8])
def test_trunc_divide_integer(dtype):
    lo = 0 if dtype == torch.uint8 else -100
    y = divisor((17,), dtype) if dtype != torch.uint8 else torch.randint(1, 9, (17,), dtype=dtype)
    check_op(lambda u, v: torch.div(u, v, rounding_mode="trunc"), (torch.randint(lo, 100, (2, 17), dtype=dtype), y),
             "FMOD")
    s = 7 if dtype == torch.uint8 else -7
    check_op(lambda u: torch.div(u, s, rounding_mode="trunc"), (torch.randint(lo, 100, (17,), dtype=dtype),), "FMOD")


def test_trunc_divide_int64_is_exact_past_float64():
    big = torch.tensor([2**62 + 1, -(2**62) - 3, 2**63 - 1, -(2**63), 2**53 + 1, -(2**55) - 7, 12345678901234567, 3])
    y = torch.tensor([3, 7, -5, 9, 2, -3, -1, 2**62])
    check_op(lambda u, v: torch.div(u, v, rounding_mode="trunc"), (big, y), "FMOD")


def test_trunc_divide_float():
    x = torch.cat([torch.randn(33) * 20, torch.tensor([1.0, -1.0, 0.0, float("inf")])])
    y = torch.cat([divisor((33,)), torch.tensor([0.0, 0.0, 0.0, 2.0])])
    check_op(lambda u, v: torch.div(u, v, rounding_mode="trunc"), (x, y), "TRUNC")
    check_op(lambda u: torch.div(u, 0.3, rounding_mode="trunc"), (x,), "TRUNC")
