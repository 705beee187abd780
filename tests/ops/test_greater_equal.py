"""GREATER_EQUAL (a >= b, torch.ge) on the comparison cases of families.py."""
import operator

import pytest
import torch

from families import COMPARISON_CASES, check_comparison


@pytest.mark.parametrize("case", COMPARISON_CASES)
def test_greater_equal(case):
    check_comparison(case, operator.ge, torch.ge, "GREATER_EQUAL")
