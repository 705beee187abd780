"""LOGICAL_OR: torch.logical_or and `|` on the logical cases of families.py (bool
tensors with broadcasting, float / int64 operands: nonzero is true, comparisons' results)."""
import operator

import pytest
import torch

from families import LOGICAL_CASES, check_logical


@pytest.mark.parametrize("case", LOGICAL_CASES)
def test_logical_or(case):
    check_logical(case, torch.logical_or, operator.or_, "LOGICAL_OR")
