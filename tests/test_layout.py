"""PANELS16: linear-layer weights stored in the GEMM's panel layout (schema/layout.py).

The exporter packs a FLOAT32 weight that only FULLY_CONNECTED reads; both runtimes read
it (the Python one unpacks it once, the C one runs its GEMM on the panels in place), and
both loaders reject the layout anywhere else."""
import importlib

import numpy as np
import pytest
import torch

import runtime_py
from exporter import export_module
from schema import fb
from schema.layout import pack, unpack


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # out features 37 (two panels + 5 rows), 8 (< 16: row-major), 32 (two panels), 300
        self.a, self.b = torch.nn.Linear(40, 37), torch.nn.Linear(37, 8)
        self.c, self.d = torch.nn.Linear(8, 32), torch.nn.Linear(32, 300)

    def forward(self, x):
        return self.d(torch.relu(self.c(self.b(torch.relu(self.a(x))))))


def layouts(program):
    return {bytes(t.name).decode(): t.layout for t in program.methods["forward"].tensors
            if t.storage == fb.Storage.CONSTANT and len(t.shape) == 2}


def test_pack_unpack_round_trip():
    rng = np.random.default_rng(0)
    for n, k in [(16, 1), (17, 3), (37, 40), (5, 7), (48, 0)]:
        w = rng.standard_normal((n, k)).astype(np.float32)
        flat = pack(w)
        assert flat.shape == (n * k,)
        np.testing.assert_array_equal(unpack(flat, (n, k)), w)
        n16 = n - n % 16
        for j in range(n):   # the schema's formula, element by element
            for p in range(k):
                at = (j // 16) * 16 * k + p * 16 + j % 16 if j < n16 else j * k + p
                assert flat[at] == w[j, p]


@pytest.mark.parametrize("rows", [1, 3, 4, 13])
def test_packed_linear_weights_match_eager_in_both_runtimes(rows):
    """1-3 rows: the C runtime's panel GEMV; 4 or more: its GEMM reading panels in place."""
    torch.manual_seed(rows)
    model = Mlp().eval()
    x = torch.randn(rows, 40)
    data = export_module(model, (x,))
    program = runtime_py.load(data)
    got = layouts(program)
    packed = sorted(n for n, v in got.items() if v == fb.Layout.PANELS16)
    assert len(packed) == 3 and len(got) == 4, got    # every weight but the 8-row one
    want = model(x).detach().numpy()
    for backend in ("py", "c"):
        out = runtime_py.load(data, backend=backend).run("forward", x.numpy())[0]
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_packed_bytes_are_the_panels():
    torch.manual_seed(0)
    model = Mlp().eval()
    data = export_module(model, (torch.randn(2, 40),), bundle_test=False)
    program = runtime_py.load(data)
    m = program.methods["forward"]
    weights = {tuple(p.shape): p.detach().numpy() for p in model.parameters() if p.dim() == 2}
    for t in m.tensors:
        if t.layout == fb.Layout.PANELS16:
            stored = np.frombuffer(data, np.float32, count=int(t.nbytes) // 4,
                                   offset=program.segment_offset + int(t.offset))
            np.testing.assert_array_equal(stored, pack(weights[tuple(t.shape)]))


def test_weight_shared_with_another_op_stays_row_major():
    class Tied(torch.nn.Module):   # an embedding table reused as the output projection
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(40, 16)

        def forward(self, idx):
            return torch.nn.functional.linear(self.emb(idx), self.emb.weight)

    torch.manual_seed(0)
    model = Tied().eval()
    idx = torch.randint(0, 40, (2, 5))
    data = export_module(model, (idx,))
    program = runtime_py.load(data)
    assert set(layouts(program).values()) == {fb.Layout.ROW_MAJOR}
    tables = [t for t in program.methods["forward"].tensors if list(t.shape) == [40, 16]]
    assert len(tables) == 2 and tables[0].offset == tables[1].offset   # stored once, read by both
    for backend in ("py", "c"):
        out = runtime_py.load(data, backend=backend).run("forward", idx.numpy())[0]
        np.testing.assert_allclose(out, model(idx).detach().numpy(), rtol=1e-5, atol=1e-5)


def _export_with_layouts(monkeypatch, choose):
    class AddConst(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(16, 32)
            self.register_buffer("c", torch.randn(4, 32))

        def forward(self, x):
            return self.fc(x) + self.c

    # the module (exporter.passes.choose_layouts the attribute is the pass function)
    monkeypatch.setattr(importlib.import_module("exporter.passes.choose_layouts"), "choose", choose)
    return export_module(AddConst().eval(), (torch.randn(4, 16),), bundle_test=False)


def _const_of_shape(graph, shape):
    return next(n for n, t in graph.tensors.items() if t.is_constant and t.data.shape == shape)


@pytest.mark.parametrize("backend", ["py", "c"])
def test_panels16_outside_a_linear_weight_is_rejected(monkeypatch, backend):
    data = _export_with_layouts(monkeypatch, lambda g: {_const_of_shape(g, (4, 32)): "PANELS16"})
    with pytest.raises(runtime_py.VerifyError,
                       match=r"\(ADD\): input 1 \(tensor \d+\) is stored PANELS16, which only "
                             r"FULLY_CONNECTED's weight may be"):
        runtime_py.load(data, backend=backend)


@pytest.mark.parametrize("backend", ["py", "c"])
def test_unknown_layout_is_rejected(monkeypatch, backend):
    monkeypatch.setattr(fb.Layout, "FUTURE", 9, raising=False)
    monkeypatch.setitem(importlib.import_module("exporter.serialize").LAYOUT_PACKERS, "FUTURE", lambda a: a)
    data = _export_with_layouts(monkeypatch, lambda g: {_const_of_shape(g, (32, 16)): "FUTURE"})
    with pytest.raises(runtime_py.EmberError, match=r"tensor \d+: layout 9 not in the Layout enum"):
        runtime_py.load(data, backend=backend)
