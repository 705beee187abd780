"""The `ember` command's happy paths: export (factory and .pt2), inspect, run, validate."""
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import runtime_py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FACTORIES = textwrap.dedent("""
    import torch

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.fc = torch.nn.Linear(8, 5)

        def forward(self, x):
            y = torch.relu(self.conv(x)).mean(dim=(2, 3))
            return self.fc(y), y

    def _make(seed):
        torch.manual_seed(seed)
        return Net().eval(), (torch.randn(2, 3, 6, 6),)

    def model_a():
        return _make(0)

    def model_b():          # same architecture, different weights
        return _make(1)
""")


def ember(*args, cwd):
    result = subprocess.run([sys.executable, "-m", "ember.cli", *map(str, args)],
                            capture_output=True, text=True, cwd=cwd,
                            env={**os.environ, "PYTHONPATH": ROOT})
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "nets.py").write_text(FACTORIES)
    rc, out, err = ember("export", "nets.py:model_a", "-o", "a.ember", "--batch-max", "8", cwd=d)
    assert rc == 0, err
    assert "wrote a.ember" in out
    steps = re.findall(r"^\[(\d+)/(\d+)\] ", err, re.M)   # progress lines go to stderr, numbered
    assert [int(a) for a, _ in steps] == list(range(1, len(steps) + 1)) and {int(b) for _, b in steps} == {len(steps)}
    return d


def factory(name):
    ns = {}
    exec(FACTORIES, ns)
    return ns[name]()


def eager_a(x):
    model, _ = factory("model_a")
    with torch.no_grad():
        return [t.numpy() for t in model(torch.from_numpy(x))]


def test_inspect_reports_io_ops_and_memory(work):
    rc, out, err = ember("inspect", "a.ember", cwd=work)
    assert rc == 0, err
    assert "method 'forward'" in out
    assert "size batch: 1..8" in out
    assert re.search(r"input\s+x: float32\[batch, 3, 6, 6\]", out), out
    assert re.search(r"output\s+output_0: float32\[batch, 5\]", out), out
    assert "CONV2D x1" in out and "FULLY_CONNECTED x1" in out
    m = re.search(r"arena: ([\d,]+) B.*lower bound ([\d,]+) B.*ratio ([\d.]+)x", out)
    assert m, out
    arena, lower = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))
    assert lower <= arena <= 1.10 * lower
    assert "bundled test cases: 1" in out


def test_run_npy_inputs_to_npz_matches_eager(work):
    x = np.random.default_rng(3).standard_normal((5, 3, 6, 6)).astype(np.float32)  # batch 5 <= 8
    np.save(work / "x.npy", x)
    rc, out, err = ember("run", "a.ember", "-i", "x.npy", "-o", "y.npz", cwd=work)
    assert rc == 0, err
    got = np.load(work / "y.npz")
    want = eager_a(x)
    assert sorted(got.keys()) == ["output_0", "output_1"]
    np.testing.assert_allclose(got["output_0"], want[0], atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(got["output_1"], want[1], atol=1e-5, rtol=1e-5)


def test_run_on_the_c_runtime_matches_python(work):
    x = np.random.default_rng(4).standard_normal((3, 3, 6, 6)).astype(np.float32)
    np.save(work / "x3.npy", x)
    for runtime in ("py", "c"):
        rc, out, err = ember("run", "a.ember", "-i", "x3.npy", "-o", f"y_{runtime}.npz", "--runtime", runtime,
                             cwd=work)
        assert rc == 0, err
    py, c = np.load(work / "y_py.npz"), np.load(work / "y_c.npz")
    for key in ("output_0", "output_1"):
        np.testing.assert_allclose(c[key], py[key], atol=1e-5, rtol=1e-5)


def test_run_without_inputs_uses_bundled_case_and_prints_summary(work):
    rc, out, err = ember("run", "a.ember", cwd=work)
    assert rc == 0, err
    assert "bundled test case" in err
    assert re.search(r"^output_0: float32\[2, 5\] min=", out, re.M), out
    assert re.search(r"^output_1: float32\[2, 8\] min=", out, re.M), out


def test_validate_passes_against_its_own_model(work):
    rc, out, err = ember("validate", "nets.py:model_a", "a.ember", cwd=work)
    assert rc == 0, out + err
    rows = [ln for ln in out.splitlines() if ln.startswith("output_")]
    # each output, on the Python and the C runtime side by side
    assert [ln.split()[0] + " " + ln.split()[3] for ln in rows] == \
        ["output_0 python", "output_0 c", "output_1 python", "output_1 c"], out
    for ln in rows:
        assert ln.endswith("ok"), out
        max_abs, max_rel, cosine = map(float, ln.split()[-4:-1])
        assert max_abs < 1e-4 and cosine > 0.99999
    assert "python runtime vs eager: ok" in out and "c runtime vs eager: ok" in out


def test_validate_fails_with_exit_1_against_other_weights(work):
    rc, out, err = ember("validate", "nets.py:model_b", "a.ember", cwd=work)
    assert rc == 1, out + err
    assert "FAIL" in out


def test_export_and_validate_from_pt2(work):
    model, inputs = factory("model_a")
    torch.export.save(torch.export.export(model, inputs), str(work / "a.pt2"))
    rc, out, err = ember("export", "a.pt2", "-o", "from_pt2.ember", "-q", cwd=work)
    assert rc == 0, err
    assert err == ""                            # -q: no progress
    program = runtime_py.load(str(work / "from_pt2.ember"))
    got = program.run("forward", inputs[0].numpy())
    with torch.no_grad():
        want = [t.numpy() for t in model(*inputs)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=1e-5)
    rc, out, err = ember("validate", "a.pt2", "from_pt2.ember", cwd=work)
    assert rc == 0, out + err


def test_help_and_version(work):
    for cmd in ("export", "inspect", "run", "validate"):
        rc, out, _ = ember(cmd, "--help", cwd=work)
        assert rc == 0 and "usage: ember " + cmd in out
    rc, out, _ = ember("--version", cwd=work)
    assert rc == 0 and out.startswith("ember ")


TOKENS = textwrap.dedent("""
    import torch

    class Tagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(50, 16)
            self.fc = torch.nn.Linear(16, 4)

        def forward(self, idx):
            return self.fc(torch.relu(self.emb(idx)))

    def make():
        torch.manual_seed(0)
        return Tagger().eval(), (torch.randint(0, 50, (1, 1)),)    # one sequence of one token
""")


def test_batch_1_seq_1_example_with_batch_max_and_seq_max(tmp_path):
    """The example users give (one sequence of one token) with both sizes dynamic: exported,
    validated on the bundled example, and run at other sizes in both runtimes."""
    (tmp_path / "tagger.py").write_text(TOKENS)
    rc, out, err = ember("export", "tagger.py:make", "--batch-max", "4", "--seq-max", "16", "-q", cwd=tmp_path)
    assert rc == 0, err
    rc, out, err = ember("validate", "tagger.py:make", "tagger.ember", cwd=tmp_path)
    assert rc == 0 and "python runtime vs eager: ok" in out, out + err
    idx = np.random.default_rng(0).integers(0, 50, (3, 16)).astype(np.int64)
    np.savez(tmp_path / "idx.npz", idx=idx)
    rc, out, err = ember("validate", "tagger.py:make", "tagger.ember", "--input", "idx.npz", cwd=tmp_path)
    assert rc == 0 and "c runtime vs eager: ok" in out, out + err
    program = runtime_py.load(str(tmp_path / "tagger.ember"))
    assert program.method().symbols == [("batch", 1, 4), ("seq", 1, 16)]
