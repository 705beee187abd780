"""ATAN2: torch.atan2 with broadcasting, signed zeros, infinities and NaN, integer inputs
(promoted to float32 by torch, so cast first); a non-FLOAT32 operand is refused by both
loaders."""
import pytest
import torch

import crafted
import runtime_py
from helpers import export_load
from oplib import Fn, check_op, randint
from schema import fb
from test_mod import SHAPES, SPECIAL


@pytest.mark.parametrize("a,b", SHAPES)
def test_atan2(a, b):
    check_op(torch.atan2, (torch.randn(a), torch.randn(b)), "ATAN2")


def test_atan2_special_values():
    check_op(torch.atan2, (torch.tensor(SPECIAL).reshape(-1, 1), torch.tensor(SPECIAL)), "ATAN2")


def test_atan2_scalar_operand_and_integers():
    check_op(lambda y: torch.atan2(y, torch.tensor(-0.5)), (torch.randn(2, 17),), "ATAN2")
    check_op(torch.atan2, (randint((3, 5)), randint((5,))), "ATAN2")


def test_atan2_integer_operands_are_refused_by_both_loaders():
    _, data = export_load(Fn(torch.atan2), (torch.randn(4), torch.randn(4)))

    def retype(p):
        m = p.methods[0]
        for k in list(m.operators[0].inputs) + list(m.operators[0].outputs):
            m.tensors[k].dtype = fb.DType.INT32    # same nbytes, another dtype
        for i in m.inputs:
            m.tensors[i].dtype = fb.DType.INT32
    bad = crafted.edit(data, retype)
    for backend in ("py", "c"):
        with pytest.raises(runtime_py.VerifyError, match="FLOAT32"):
            runtime_py.load(bad, backend=backend).method("forward")
