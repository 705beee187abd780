"""Core ATen ops lowered as compositions of Ember ops (no op of their own), in both runtimes
against eager: pow with a scalar base, logical/bitwise xor, isnan, isinf, clamp with tensor
bounds, amin, any over every axis, variance, repeat, fill, empty."""
import pytest
import torch

from helpers import check_module
from oplib import Fn, Fn1, check_op, randint

SPECIAL = torch.tensor([0.0, -0.0, 1.5, -2.5, float("inf"), float("-inf"), float("nan"), 3.0])


def test_pow_scalar_base():
    check_op(lambda x: torch.pow(2.0, x), (torch.randn(3, 7),), "POW")


def test_xor():
    a, b = torch.rand(4, 5) > 0.5, torch.rand(5) > 0.5
    check_op(torch.logical_xor, (a, b), "NOT_EQUAL")
    check_op(lambda x, y: x ^ y, (a, b), "NOT_EQUAL")
    check_op(torch.logical_xor, (torch.randn(3, 4) * (torch.rand(3, 4) > 0.5), randint((3, 4), -1, 2)), "NOT_EQUAL")


def test_isnan_isinf():
    check_op(torch.isnan, (SPECIAL,), "NOT_EQUAL")
    check_op(torch.isinf, (SPECIAL,), "EQUAL")


def test_clamp_with_tensor_bounds():
    x, lo, hi = torch.randn(3, 8), torch.full((8,), -0.5), torch.rand(3, 1) + 0.2
    check_op(lambda a, b, c: torch.clamp(a, b, c), (x, lo, hi), "MINIMUM")
    check_op(lambda a, b: torch.clamp(a, min=b), (x, lo), "MAXIMUM")


@pytest.mark.parametrize("dims,keepdim", [((), False), ((1,), True), ((0, 2), False)])
def test_amin(dims, keepdim):
    check_op(lambda x: torch.amin(x, dims, keepdim), (torch.randn(3, 4, 5),), "REDUCE_MAX")


def test_any_over_every_axis():
    check_op(lambda x: torch.any(x), (torch.rand(3, 4) > 0.9,), "REDUCE_ANY")


@pytest.mark.parametrize("fn", [lambda x: x.var(), lambda x: x.var(dim=1, keepdim=True),
                                lambda x: torch.var(x, dim=(0, 2), unbiased=False),
                                lambda x: torch.var(x, dim=-1, correction=0)])
def test_variance(fn):
    check_op(fn, (torch.randn(3, 4, 5) * 2 + 1,), "REDUCE_MEAN")


@pytest.mark.parametrize("repeats", [(2, 3), (1, 2, 2), (3, 1, 1)])
def test_repeat(repeats):
    check_op(lambda x: x.repeat(*repeats), (torch.randn(2, 3),), "EXPAND")


def test_fill_and_empty():
    check_module(Fn1(lambda x: x + torch.full_like(x, 0).fill_(2.5)), (torch.randn(3, 4),))
    check_module(Fn(lambda x, y: torch.cat([x, y.new_empty(2, 3).zero_() + y])), (torch.randn(2, 3), torch.randn(2, 3)))
