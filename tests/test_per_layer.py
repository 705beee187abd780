"""Per-layer numerics (`ember validate --per-layer`, ember/per_layer.py): every operator's
output against the eager value it stands for, the first jump, `--keep-float` and
`--strip-debug`; and `ember profile` on the Python runtime (the C runtime's profile is
tests/test_c_profile.py)."""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnx.helper as oh
import pytest
import torch
import torch.nn as nn

import runtime_py
from ember import per_layer
from exporter import export_module
from exporter.frontends.torch.capture import capture_module
from zoo_models import calibration_batches, exported, exported_int8

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table_of(model, inputs, data):
    method = runtime_py.load(data).method()
    arrays = [t.numpy() for t in inputs]
    eager = per_layer.eager_torch(capture_module(model, tuple(inputs)).program.module(), arrays)
    return method, per_layer.rows(method, eager, per_layer.program_outputs(method, arrays))


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("name", ["cnn", "mobilenet_v2", "transformer_encoder"])
def test_float_model_every_layer_within_tolerance(name):
    model, inputs, data = exported(name)
    method, rows = table_of(model, inputs, data)
    assert [r["op"] for r in rows] == method.operators
    paired = [r for r in rows if "sqnr" in r]
    assert len(paired) >= 0.8 * len(rows), per_layer.render(rows)
    for r in paired:
        assert r["cosine"] > 0.99999 and r["sqnr"] > 80, per_layer.render(rows)
    assert per_layer.first_jump(rows) is None


@pytest.mark.parametrize("name", ["cnn", "mobilenet_v2"])
def test_int8_model_pairs_every_operator(name):
    model, inputs, data = exported_int8(name)
    method, rows = table_of(model, inputs, data)
    assert len(rows) == len(method.operators)
    unpaired = [(r["index"], r["op"], r.get("problem")) for r in rows if "sqnr" not in r]
    assert not unpaired, unpaired
    for r in rows:                               # int8 precision, not garbage
        assert r["sqnr"] > 15 and r["cosine"] > 0.97, per_layer.render(rows)


def _corrupt_weight(data, method, k):
    """The program with operator k's weight (input 1) multiplied by -2 in the file."""
    program = runtime_py.load(data)
    t = method.tensor_info(method.operator_table[k].inputs[1])
    start = program.segment_offset + t["offset"]
    buf = bytearray(data)
    w = np.frombuffer(bytes(buf[start:start + t["nbytes"]]), np.float32) * -2
    buf[start:start + t["nbytes"]] = w.tobytes()
    return bytes(buf)


def test_corrupted_weight_is_the_first_jump():
    model, inputs, data = exported("cnn")
    method = runtime_py.load(data).method()
    convs = [o.index for o in method.operator_table if o.op == "CONV2D"]
    k = convs[len(convs) // 2]
    bad = _corrupt_weight(data, method, k)
    _, rows = table_of(model, inputs, bad)
    jump = per_layer.first_jump(rows)
    assert jump is not None and jump["index"] == k, per_layer.render(rows)
    assert all("sqnr" not in r or r["sqnr"] > 80 for r in rows[:k])


class Outlier(nn.Module):
    """conv -> conv with one weight per output channel 200x the rest (int8 per-channel
    weights then keep ~1 bit for the others) -> conv."""
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.bad = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 4, 1)
        with torch.no_grad():
            self.bad.weight[:, 0, 0, 0] *= 200

    def forward(self, x):
        return self.head(torch.relu(self.bad(torch.relu(self.stem(x)))))


def test_keep_float_of_the_worst_layer_raises_the_cosine():
    model = Outlier().eval()
    x = torch.randn(2, 3, 12, 12)
    calib = calibration_batches((x,), n=8)
    data = export_module(model, (x,), quantize="int8", calibration=calib)
    _, rows = table_of(model, (x,), data)
    worst = per_layer.worst(rows)
    assert worst["module"] == "bad", per_layer.render(rows)
    kept = export_module(model, (x,), quantize="int8", calibration=calib, keep_float=[worst["module"]])
    m = runtime_py.load(kept).method()
    assert "float32" in [p for o, p in zip(m.operators, m.precisions) if o == "CONV2D"]
    with torch.no_grad():
        want = model(x).numpy()
    before = cosine(runtime_py.load(data).run("forward", x.numpy())[0], want)
    after = cosine(runtime_py.load(kept).run("forward", x.numpy())[0], want)
    assert after > before and after > 0.999, (before, after)
    c = runtime_py.load(kept, backend="c").run("forward", x.numpy())[0]
    assert np.array_equal(c, runtime_py.load(kept).run("forward", x.numpy())[0])


def test_keep_float_needs_names_that_exist_and_int8():
    from exporter import ExportError
    model = Outlier().eval()
    x = torch.randn(2, 3, 12, 12)
    with pytest.raises(ExportError, match="'nope' names no operator"):
        export_module(model, (x,), quantize="int8", calibration=[[x]], keep_float=["nope"])
    with pytest.raises(ExportError, match="--keep-float is for --quantize int8"):
        export_module(model, (x,), keep_float=["bad"])


def test_onnx_model_against_the_reference_evaluator(tmp_path):
    rng = np.random.default_rng(0)
    w = oh.make_tensor("w", onnx.TensorProto.FLOAT, [4, 3, 3, 3], rng.standard_normal(108).astype(np.float32))
    graph = oh.make_graph(
        [oh.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="conv"),
         oh.make_node("Relu", ["c"], ["r"], name="relu"),
         oh.make_node("GlobalAveragePool", ["r"], ["y"], name="pool")],
        "g", [oh.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 8, 8])],
        [oh.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4, 1, 1])], [w])
    path = tmp_path / "m.onnx"
    onnx.save(oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)]), path)
    rc, out, err = ember("export", path, "-o", tmp_path / "m.ember", "-q")
    assert rc == 0, err
    rc, out, err = ember("validate", "--per-layer", path, tmp_path / "m.ember")
    assert rc == 0, err
    assert "3 of 3 operators paired" in out or "of" in out and "paired" in out, out
    method = runtime_py.load(str(tmp_path / "m.ember")).method()
    x = method.test_cases()[0][0]
    rows = per_layer.rows(method, per_layer.eager_onnx(str(path), x), per_layer.program_outputs(method, x))
    assert all("sqnr" in r and r["sqnr"] > 80 for r in rows), per_layer.render(rows)
    assert {r["eager"] for r in rows} >= {"r", "y"}


def ember(*args):
    done = subprocess.run([sys.executable, "-m", "ember.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
    return done.returncode, done.stdout, done.stderr


DIGITS_FACTORY = """
import sys

import torch

sys.path.insert(0, {demo!r})
from digits import DigitsCNN   # the demo's architecture (demo/digits.py), seeded weights: no training needed


def untrained():
    torch.manual_seed(0)
    return DigitsCNN().eval(), (torch.rand(8, 1, 8, 8),)
"""


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """The demo CNN exported float, int8 and stripped, from a factory with seeded weights (a
    clean clone has no trained demo/out/digits_cnn.pt)."""
    d = tmp_path_factory.mktemp("digits")
    (d / "nets.py").write_text(DIGITS_FACTORY.format(demo=os.path.join(ROOT, "demo")))
    np.save(d / "calibration.npy", np.random.default_rng(0).random((64, 1, 8, 8), dtype=np.float32))
    files = {"factory": f"{d / 'nets.py'}:untrained"}
    for name, extra in (("float", []), ("int8", ["--quantize", "int8", "--calibration", d / "calibration.npy"]),
                        ("stripped", ["--strip-debug"])):
        files[name] = d / f"{name}.ember"
        rc, _, err = ember("export", files["factory"], "-o", files[name], "-q", *extra)
        assert rc == 0, err
    return files


def test_cli_per_layer_table(digits):
    rc, out, err = ember("validate", "--per-layer", digits["factory"], digits["int8"])
    assert rc == 0, err
    lines = out.splitlines()
    ops = runtime_py.load(str(digits["int8"])).method().operators
    assert len([ln for ln in lines if ln[:4].strip().isdigit()]) == len(ops)
    assert f"{len(ops)} of {len(ops)} operators paired with an eager value" in out
    assert "features.0" in out and "largest loss" in out


def test_strip_debug(digits):
    full, stripped = runtime_py.load(str(digits["float"])), runtime_py.load(str(digits["stripped"]))
    assert stripped.file_size < full.file_size
    m = stripped.method()
    assert all(not o.source and not o.node and not o.module for o in m.operator_table)
    assert all(not m.tensor_info(i)["eager"] for i in range(len(m.tensors)))
    x = full.method().test_cases()[0][0]
    assert np.array_equal(full.run("forward", *x)[0], stripped.run("forward", *x)[0])
    rc, out, err = ember("validate", "--per-layer", digits["factory"], digits["stripped"])
    assert rc == 2 and "records no eager values" in err and "Traceback" not in err


def test_profile_python_runtime(digits, tmp_path):
    trace = tmp_path / "t.json"
    rc, out, err = ember("profile", "--runtime", "py", "--runs", "3", "--trace", trace, digits["int8"])
    assert rc == 0, err
    ops = runtime_py.load(str(digits["int8"])).method().operators
    rows = [ln.split() for ln in out.splitlines() if ln[:4].strip().isdigit()]
    assert [r[1] for r in rows] == ops
    events = json.loads(trace.read_text())["traceEvents"]
    assert all(e["ph"] == "X" and e["dur"] >= 0 and {"name", "ts", "pid", "tid"} <= set(e) for e in events)
    assert [e["name"] for e in events if e["cat"] != "run"] == ops * 3
    rc, _, err = ember("profile", "--runtime", "py", "--threads", "2", digits["int8"])
    assert rc == 2 and "--threads is for the C runtime" in err


def test_profile_accounts_for_the_run():
    """The operators' times add up to the measured run (Python runtime: within 10%, the
    median over runs: the rest is binding the inputs and copying the outputs)."""
    from ember import profile
    model, inputs, data = exported("mobilenet_v2")
    method = runtime_py.load(data).method()
    prof = profile.profile_py(method, [t.numpy() for t in inputs], 5)
    assert [o["op"] for o in prof.operators] == method.operators
    ratios = []
    for run in prof.runs:
        ks = [k for k, _, _ in run["ops"]]
        assert ks == list(range(len(method.operators)))
        assert all(run["start"] <= s <= e <= run["end"] for _, s, e in run["ops"])
        ratios.append(sum(e - s for _, s, e in run["ops"]) / (run["end"] - run["start"]))
    assert 0.9 <= sorted(ratios)[len(ratios) // 2] <= 1.0, ratios
    conv = next(o for o in prof.operators if o["op"] == "CONV2D")
    w, y = conv["inputs"][1]["shape"], conv["outputs"][0]["shape"]
    assert profile.flops(conv) == 2 * int(np.prod(y)) * int(np.prod(w[1:]))


def test_a_state_update_pairs_with_its_eager_value():
    """INDEX_COPY writes the state in place: its output pairs with the eager value of the
    update it was lowered from (the buffer after the update), not the buffer before it."""
    from test_state import Mutates
    x, pos = torch.randn(2, 1, 4), torch.tensor([2])
    data = export_module(Mutates().eval(), (x, pos))
    method, rows = table_of(Mutates().eval(), (x, pos), data)
    update = next(r for r in rows if r["op"] == "INDEX_COPY")
    assert update.get("sqnr", 0) > 80, per_layer.render(rows)
    assert all("sqnr" in r for r in rows) and per_layer.first_jump(rows) is None
