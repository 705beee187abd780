"""MINIMUM: torch.minimum / torch.min(a, b) with broadcasting, float and int64 (families.py)."""
import torch

from families import check_minmax
from oplib import check_op, randint


def test_minimum():
    check_minmax(torch.minimum, "MINIMUM")


def test_min_binary_int64():
    check_op(torch.min, (randint((3, 4)), randint((4,))), "MINIMUM")
