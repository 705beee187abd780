"""Several methods in one program sharing weights and state (schema 2.4): export_methods, a
factory returning {name: (bound method, inputs)}, the CLI (export, inspect, run, validate
--method), and the mutated-buffer error messages of issue 16. INDEX_COPY itself and the
state's run-time checks: tests/ops/test_index_copy.py."""
import copy
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn

import runtime_py
from exporter import ExportError, UnsupportedOpsError, export_methods, export_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ["py", "c"]

LM_SOURCE = '''
import torch, torch.nn as nn


class LM(nn.Module):
    """A toy decoder: prefill writes 4 positions of the cache, decode one at a time."""
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.emb = nn.Embedding(16, 8)
        self.lin = nn.Linear(8, 16)
        self.register_buffer("cache", torch.zeros(1, 12, 8))

    def prefill(self, ids):
        self.cache[:, :4] = self.emb(ids)
        return self.lin(self.cache.sum(1))

    def decode(self, ids, pos):
        self.cache.index_copy_(1, pos, self.emb(ids))
        return self.lin(self.cache.sum(1))


def make():
    m = LM().eval()
    return {"prefill": (m.prefill, (torch.tensor([[1, 2, 3, 4]]),)),
            "decode": (m.decode, (torch.tensor([[5]]), torch.tensor([4])))}
'''


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    d = tmp_path_factory.mktemp("lm")
    (d / "lm.py").write_text(LM_SOURCE)
    sys.path.insert(0, str(d))
    try:
        import lm as module
    finally:
        sys.path.pop(0)
    return d, module


@pytest.mark.parametrize("backend", BACKENDS)
def test_prefill_then_decode_share_the_state(lm, backend):
    _, module = lm
    model = module.LM().eval()
    eager = copy.deepcopy(model)
    data = export_methods({"prefill": (model.prefill, (torch.tensor([[1, 2, 3, 4]]),)),
                           "decode": (model.decode, (torch.tensor([[5]]), torch.tensor([4])))})
    program = runtime_py.load(data, backend=backend) if backend != "py" else runtime_py.load(data)
    assert sorted(program.methods) == ["decode", "prefill"]
    for name in ("prefill", "decode"):     # both update the cache in place
        assert "INDEX_COPY" in runtime_py.load(data).method(name).operators
    ids = torch.tensor([[3, 1, 4, 1]])
    with torch.no_grad():
        want = eager.prefill(ids)
    np.testing.assert_allclose(program.run("prefill", ids.numpy())[0], want.numpy(), rtol=1e-5, atol=1e-5)
    for t in range(4, 12):
        tok, pos = torch.tensor([[t % 16]]), torch.tensor([t])
        with torch.no_grad():
            want = eager.decode(tok, pos)
        got = program.run("decode", tok.numpy(), pos.numpy())[0]
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-5)


def test_weights_are_stored_once(lm):
    _, module = lm
    model = module.LM().eval()
    one = export_methods({"prefill": (copy.deepcopy(model).prefill, (torch.tensor([[1, 2, 3, 4]]),))},
                         bundle_test=False)
    both = export_methods({"prefill": (model.prefill, (torch.tensor([[1, 2, 3, 4]]),)),
                           "decode": (model.decode, (torch.tensor([[5]]), torch.tensor([4])))},
                          bundle_test=False)
    p, q = runtime_py.load(one), runtime_py.load(both)
    constants = q.segment_size
    assert constants < 2 * p.segment_size        # the embedding and linear weights once, not twice
    assert [s["name"] for s in q.state_tensors] == ["cache"]


def test_export_leaves_the_model_unchanged(lm):
    _, module = lm
    model = module.LM().eval()
    before = model.cache.clone()
    export_methods({"decode": (model.decode, (torch.tensor([[5]]), torch.tensor([4])))})
    assert torch.equal(model.cache, before)


def test_a_method_must_be_a_module_or_its_method():
    with pytest.raises(ExportError, match="a method must be an nn.Module or a bound method"):
        export_methods({"f": (lambda x: x * 2, (torch.ones(2),))})


def ember(*args, cwd):
    done = subprocess.run([sys.executable, "-m", "ember.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": ROOT})
    return done.returncode, done.stdout, done.stderr


def test_cli_exports_every_method_of_a_factory(lm):
    d, _ = lm
    rc, out, err = ember("export", "lm.py:make", "-o", "lm.ember", "-q", cwd=d)
    assert rc == 0, err
    rc, out, err = ember("inspect", "lm.ember", cwd=d)
    assert rc == 0 and "method 'prefill'" in out and "method 'decode'" in out
    assert "state: 384 B kept across runs, shared by the methods: cache float32[1, 12, 8] (zeros)" in out
    for method in ("prefill", "decode"):
        rc, out, err = ember("validate", "--method", method, "--runtime", "py", "lm.py:make", "lm.ember", cwd=d)
        assert rc == 0 and "python runtime vs eager: ok" in out, out + err
        rc, out, err = ember("run", "lm.ember", "--method", method, cwd=d)
        assert rc == 0 and "output: float32[1, 16]" in out, err
    rc, out, err = ember("validate", "lm.py:make", "lm.ember", "--runtime", "py", cwd=d)
    assert rc == 2 and "no method 'forward'" in err and "Traceback" not in err


class Mutates(nn.Module):
    """The issue's example: index_copy_ into a buffer, then a reduction of it."""
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.lin = nn.Linear(4, 4)
        self.register_buffer("k", torch.zeros(2, 8, 4))

    def forward(self, x, pos):
        self.k.index_copy_(1, pos, self.lin(x))
        return self.k.sum(1)


def test_the_issue_example_exports_and_runs():
    model = Mutates().eval()
    eager = copy.deepcopy(model)
    x, pos = torch.randn(2, 1, 4), torch.tensor([2])
    program = runtime_py.load(export_module(model, (x, pos)))
    with torch.no_grad():
        want = eager(x, pos)
    np.testing.assert_allclose(program.run("forward", x.numpy(), pos.numpy())[0], want.numpy(), rtol=1e-5,
                               atol=1e-6)


class Unsupported(nn.Module):
    """An op Ember does not lower feeding a reduction: one error line for it, nothing about
    its readers (the issue saw a second, wrong line about the reduction's axis)."""
    def forward(self, x):
        return torch.special.bessel_j0(x).sum(1)


def test_an_unsupported_op_does_not_garble_its_readers():
    with pytest.raises(UnsupportedOpsError) as e:
        export_module(Unsupported(), (torch.randn(2, 3),))
    text = str(e.value)
    assert "1 operator(s) cannot be exported" in text and "out of range" not in text


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("seen", torch.zeros(4))

    def write(self, x, pos):
        self.seen.index_copy_(0, pos, x)
        return self.seen.sum(0, keepdim=True)

    def total(self, scale):
        return self.seen.sum(0, keepdim=True) * scale


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_method_that_only_reads_the_state_reads_it(backend):
    """`total` never writes `seen`, but `write` does: in `total` it is state, not a constant."""
    m = Counter().eval()
    data = export_methods({"write": (m.write, (torch.ones(1), torch.tensor([0]))),
                           "total": (m.total, (torch.ones(1),))})
    program = runtime_py.load(data, backend=backend) if backend != "py" else runtime_py.load(data)
    program.run("write", np.array([2.0], np.float32), np.array([1]))
    program.run("write", np.array([5.0], np.float32), np.array([3]))
    assert program.run("total", np.array([10.0], np.float32))[0].tolist() == [70.0]
    program.reset_state()
    assert program.run("total", np.array([10.0], np.float32))[0].tolist() == [0.0]
