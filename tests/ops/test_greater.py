"""GREATER (a > b, torch.gt) on the comparison cases of families.py."""
import operator

import pytest
import torch

from families import COMPARISON_CASES, check_comparison


@pytest.mark.parametrize("case", COMPARISON_CASES)
def test_greater(case):
    check_comparison(case, operator.gt, torch.gt, "GREATER")
