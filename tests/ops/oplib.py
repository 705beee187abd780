"""Shared by the per-op tests: wrap a function as a module, check it against eager
(helpers.check_module) and that the expected Ember op is really in the exported program
(not constant-folded, fused or rewritten away)."""
import torch
import torch.nn as nn

from helpers import check_module


class Fn(nn.Module):
    """An nn.Module whose forward is `fn`."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


class Fn1(Fn):
    """One named input: torch.export matches dynamic_shapes to a plain signature only."""

    def forward(self, x):
        return self.fn(x)


def check_op(model, inputs, op, **kwargs):
    """check_module, then assert `op` is among the program's operators; returns them."""
    if not isinstance(model, nn.Module):
        model = Fn1(model) if len(inputs) == 1 else Fn(model)
    program = check_module(model, inputs, **kwargs)
    ops = program.method().operators
    assert op in ops, f"{op} not in {ops}"
    return ops


def randint(shape, lo=-10, hi=10, dtype=torch.int64):
    return torch.randint(lo, hi, shape, dtype=dtype)
