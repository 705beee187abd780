"""NOT_EQUAL (a != b, torch.ne) on the comparison cases of families.py."""
import operator

import pytest
import torch

from families import COMPARISON_CASES, check_comparison


@pytest.mark.parametrize("case", COMPARISON_CASES)
def test_not_equal(case):
    check_comparison(case, operator.ne, torch.ne, "NOT_EQUAL")
