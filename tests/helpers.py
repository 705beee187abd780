"""Shared test helpers: export a module, run it on the Python runtime, compare with eager."""
from __future__ import annotations

import numpy as np
import torch

import runtime_py
from exporter import export_module

FLOAT_ATOL = 1e-4
FLOAT_RTOL = 1e-4
# The C runtime against the Python runtime (the reference): float ops agree within
# these; integer and bool outputs exactly.
C_ATOL = 1e-5
C_RTOL = 1e-5


def eager(model, inputs):
    with torch.no_grad():
        out = model(*inputs)
    return [o.detach().numpy() for o in torch.utils._pytree.tree_leaves(out)]   # (out, (h, c)) too


def assert_close(got, want, atol=FLOAT_ATOL, rtol=FLOAT_RTOL, what="output"):
    """Shape, then dtype, then values (allclose semantics; equal infinities and NaNs pass)."""
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    if want.dtype == np.bool_ or np.issubdtype(want.dtype, np.integer):
        np.testing.assert_array_equal(got, want, err_msg=what)
    else:
        np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=what)


def export_load(model, inputs, dynamic=()):
    model = model.eval()
    data = export_module(model, tuple(inputs), dynamic=dynamic)
    return runtime_py.load(data), data


def check_module(model, inputs, atol=FLOAT_ATOL, rtol=FLOAT_RTOL, dynamic=(), extra_inputs=(), data=None):
    """Export `model` (unless `data`, its exported program, is given), run the Python
    runtime on `inputs` (and on each tuple in `extra_inputs`, for dynamic sizes) and
    compare every output with eager; then the C runtime against the Python runtime."""
    model = model.eval()
    if data is None:
        program, data = export_load(model, inputs, dynamic)
    else:
        program = runtime_py.load(data)
    c_program = runtime_py.load(data, backend="c")
    for case in [tuple(inputs), *[tuple(c) for c in extra_inputs]]:
        want = eager(model, case)
        arrays = [t.numpy() for t in case]
        got = program.run("forward", *arrays)
        assert len(got) == len(want)
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, atol, rtol, what=f"output {i}")
        c_got = c_program.run("forward", *arrays)
        for i, (c, g) in enumerate(zip(c_got, got)):
            assert_close(c, g, C_ATOL, C_RTOL, what=f"C runtime vs Python runtime, output {i}")
    return program
