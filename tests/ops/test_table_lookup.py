"""TABLE_LOOKUP: out = table[x + 128] on quantized INT8, in both runtimes exactly; its
float form and bad tables refused by both loaders; and what the int8 rewrite makes of
it: every pointwise chain of one int8 tensor (exporter/quantize/pointwise.py) as one
lookup, against eager PyTorch."""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

import runtime_py
from crafted import edit
from exporter import export_module
from exporter.ir import Dim, Graph, Node, QParams
from exporter.memory_plan import plan
from exporter.passes import finish
from exporter.quantize.params import activation_qparams, quantize_table
from exporter.serialize import MethodSpec, serialize
from runtime_py.errors import EmberError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from zoo_models import calibration_batches  # noqa: E402

rng = np.random.default_rng(3)


def lookup_program(shape, table, scale=0.05, zero_point=-3):
    """x (float32) -> QUANTIZE -> TABLE_LOOKUP(table) -> the INT8 result."""
    g = Graph()
    dims = [Dim.static(n) for n in shape]
    qp = QParams(np.array([scale], np.float32), np.array([zero_point], np.int64))
    x = g.add_tensor("x", np.float32, dims, exact=True)
    q = g.add_tensor("q", np.int8, dims, exact=True)
    y = g.add_tensor("y", np.int8, dims, exact=True)
    g.tensors[q].quant = g.tensors[y].quant = qp
    t = g.add_constant("table", table)
    g.nodes += [Node("QUANTIZE", [x], [q]), Node("TABLE_LOOKUP", [q, t], [y])]
    g.inputs, g.outputs = [x], [y]
    plan(finish(g))
    return serialize([MethodSpec("forward", g)], {})


@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (3, 33), (2, 5, 17, 4)])
def test_lookup_is_exact_in_both_runtimes(shape):
    table = rng.integers(-128, 128, 256).astype(np.int8)
    data = lookup_program(shape, table)
    x = (rng.standard_normal(shape) * 8).astype(np.float32)
    q = np.clip(np.rint(x / np.float32(0.05)) - 3, -128, 127).astype(np.int64)
    for backend in ("py", "c"):
        got = runtime_py.load(data, backend=backend).run("forward", x)[0]
        assert got.dtype == np.int8 and got.shape == shape
        assert np.array_equal(got, table[q + 128])


def _loaders_refuse(data, pattern):
    for backend in ("py", "c"):
        with pytest.raises(EmberError, match=pattern):
            runtime_py.load(data, backend=backend).method("forward")


def test_float_form_and_bad_tables_are_refused():
    good = lookup_program((4,), np.arange(-128, 128).astype(np.int8))

    g = Graph()                    # a float TABLE_LOOKUP: FLOAT32 in and out
    x = g.add_tensor("x", np.float32, [Dim.static(4)], exact=True)
    y = g.add_tensor("y", np.float32, [Dim.static(4)], exact=True)
    g.nodes = [Node("TABLE_LOOKUP", [x, g.add_constant("table", np.zeros(256, np.int8))], [y])]
    g.inputs, g.outputs = [x], [y]
    plan(finish(g))
    _loaders_refuse(serialize([MethodSpec("forward", g)], {}), "table input is for int8 operators only")

    def short_table(p):
        p.methods[0].tensors[p.methods[0].operators[1].inputs[1]].shape = [128]
    _loaders_refuse(edit(good, short_table), "256|nbytes|table")

    def one_input(p):
        p.methods[0].operators[1].inputs = p.methods[0].operators[1].inputs[:1]
    _loaders_refuse(edit(good, one_input), "1 inputs, expected 2")


def test_quantize_table_maps_nan_and_infinities():
    qp = activation_qparams(-1.0, 1.0)
    got = quantize_table(np.array([np.nan, np.inf, -np.inf, 0.5, 1e9]), qp)
    zp, s = int(qp.zero_point[0]), float(qp.scale[0])
    assert got.tolist() == [zp, 127, -128, int(np.clip(np.rint(0.5 / s) + zp, -128, 127)), 127]


class Pointwise(nn.Module):
    """conv -> a; pointwise chains of a (one region), of two tensors (none), with a
    per-channel constant (none)."""
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 4, 3, padding=1)
        self.w = nn.Parameter(torch.randn(1, 4, 1, 1))

    def forward(self, x):
        a, b = self.a(x), self.b(x)
        elu = torch.where(a > 0, a, 0.7 * torch.expm1(a))            # one chain, one exit
        silu = a * torch.sigmoid(a)                                  # a second exit of a's region
        return elu + silu * b, torch.sin(a * self.w)


def test_rewrite_turns_each_region_exit_into_one_lookup():
    model = Pointwise().eval()
    x = torch.randn(2, 3, 8, 8)
    data = export_module(model, (x,), quantize="int8", calibration=calibration_batches((x,)))
    m = runtime_py.load(data).method()
    ops = [(o, p) for o, p in zip(m.operators, m.precisions)]
    # a's region has two exits (elu, silu); `a * w` broadcasts a per-channel constant, so
    # sin's region is rooted at it: three lookups in all
    assert [o for o, p in ops].count("TABLE_LOOKUP") == 3, ops
    assert all(p == "int8" for o, p in ops if o == "TABLE_LOOKUP")
    assert not any(o in ("EXPM1", "WHERE", "GREATER", "SIGMOID", "SIN") for o, _ in ops), ops
    got = [runtime_py.load(data, backend=b).run("forward", x.numpy()) for b in ("py", "c")]
    with torch.no_grad():
        want = [w.numpy() for w in model(x)]
    for p, c, w in zip(*got, want):
        assert np.array_equal(p, c)
        cos = float((p.ravel() @ w.ravel()) / (np.linalg.norm(p) * np.linalg.norm(w)))
        assert cos > 0.99, cos
