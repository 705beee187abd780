"""CAST: .to() between float32, int64, int32 and bool: float -> int truncates toward zero,
nonzero -> True, bool -> float/int, int -> float."""
import pytest
import torch

from oplib import check_op


def floats(shape):
    x = torch.randn(shape) * 5
    return x * (torch.rand(shape) > 0.3)          # some exact zeros


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4)])
def test_cast_from_float(shape, dtype):
    check_op(lambda x: x.to(dtype), (floats(shape),), "CAST")


@pytest.mark.parametrize("dtype", [torch.float32, torch.bool, torch.int32])
def test_cast_from_int64(dtype):
    check_op(lambda i: i.to(dtype), (torch.randint(-3, 3, (3, 5)),), "CAST")


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64])
def test_cast_from_bool(dtype):
    check_op(lambda m: m.to(dtype), (torch.rand(2, 5) > 0.5,), "CAST")


def test_cast_float_long_after_op():
    check_op(lambda x: (x * 3.0).long(), (torch.randn(4, 4),), "CAST")
