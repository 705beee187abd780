"""LOGICAL_AND: torch.logical_and and `&` on the logical cases of families.py (bool
tensors with broadcasting, float / int64 operands: nonzero is true, comparisons' results)."""
import operator

import pytest
import torch

from families import LOGICAL_CASES, check_logical


@pytest.mark.parametrize("case", LOGICAL_CASES)
def test_logical_and(case):
    check_logical(case, torch.logical_and, operator.and_, "LOGICAL_AND")
