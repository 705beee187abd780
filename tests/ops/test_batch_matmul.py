"""BATCH_MATMUL: torch.matmul / bmm / @ between two runtime tensors, with broadcast batch
dimensions, 1-D operands, and F.linear with a weight that is an input."""
import pytest
import torch
import torch.nn.functional as F

from oplib import check_op


@pytest.mark.parametrize("a,b", [
    ((3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 6)),            # 2-D right operand broadcast over the batch
    ((2, 1, 3, 4), (3, 4, 2)),      # batch dims broadcast (2,1) x (3,) -> (2,3)
    ((4,), (4, 3)),                 # 1-D left operand
    ((3, 1, 2, 4), (2, 4, 3)),     # rank 4 x rank 3
])
def test_matmul(a, b):
    check_op(torch.matmul, (torch.randn(a), torch.randn(b)), "BATCH_MATMUL")


def test_bmm():
    check_op(torch.bmm, (torch.randn(3, 2, 5), torch.randn(3, 5, 4)), "BATCH_MATMUL")


def test_linear_with_weight_input():
    ops = check_op(F.linear, (torch.randn(3, 5), torch.randn(4, 5), torch.randn(4)), "BATCH_MATMUL")
    assert "ADD" in ops
