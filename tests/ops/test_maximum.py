"""MAXIMUM: torch.maximum / torch.max(a, b) with broadcasting, float and int64 (families.py)."""
import torch

from families import check_minmax
from oplib import check_op, randint


def test_maximum():
    check_minmax(torch.maximum, "MAXIMUM")


def test_max_binary_int64():
    check_op(torch.max, (randint((3, 4)), randint((4,))), "MAXIMUM")
