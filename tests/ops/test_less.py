"""LESS (a < b, torch.lt) on the comparison cases of families.py."""
import operator

import pytest
import torch

from families import COMPARISON_CASES, check_comparison


@pytest.mark.parametrize("case", COMPARISON_CASES)
def test_less(case):
    check_comparison(case, operator.lt, torch.lt, "LESS")
