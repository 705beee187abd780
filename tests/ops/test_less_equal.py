"""LESS_EQUAL (a <= b, torch.le) on the comparison cases of families.py."""
import operator

import pytest
import torch

from families import COMPARISON_CASES, check_comparison


@pytest.mark.parametrize("case", COMPARISON_CASES)
def test_less_equal(case):
    check_comparison(case, operator.le, torch.le, "LESS_EQUAL")
