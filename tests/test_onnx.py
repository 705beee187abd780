"""The ONNX front end: zoo models exported with torch.onnx.export, imported, run on both
runtimes and compared with eager PyTorch; malformed ONNX input gives one clear error."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper

import runtime_py
from exporter import ExportError, export_onnx
from exporter.frontends.onnx import import_onnx
from helpers import C_ATOL, C_RTOL, FLOAT_ATOL, FLOAT_RTOL, eager
from zoo_models import ZOO

# torch.onnx.export's TorchScript exporter fails on two zoo models (SDPA's is_causal is a
# tensor in transformer_encoder; aten::diff in hf_gpt2 has no ONNX export); torch's
# dynamo exporter (with onnxscript) takes them. The rest use the TorchScript exporter.
DYNAMO_EXPORT = {"transformer_encoder", "hf_gpt2"}


def to_onnx(name, tmp_path):
    model, inputs = ZOO[name]()
    model.eval()
    path = str(tmp_path / f"{name}.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in DYNAMO_EXPORT:
            torch.onnx.export(model, tuple(inputs), path, dynamo=True, opset_version=18, verbose=False)
        else:
            torch.onnx.export(model, tuple(inputs), path, dynamo=False, opset_version=17)
    return model, inputs, path


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_through_onnx(name, tmp_path):
    model, inputs, path = to_onnx(name, tmp_path)
    data = export_onnx(path)
    arrays = [t.numpy() for t in inputs]
    py = runtime_py.load(data).run("forward", *arrays)
    c = runtime_py.load(data, backend="c").run("forward", *arrays)
    for p, q, w in zip(py, c, eager(model, inputs)):
        np.testing.assert_allclose(p, w, atol=FLOAT_ATOL, rtol=FLOAT_RTOL)
        np.testing.assert_allclose(q, p, atol=C_ATOL, rtol=C_RTOL)


def test_cli_export_and_validate_against_the_reference_evaluator(tmp_path):
    _, _, path = to_onnx("cnn", tmp_path)
    out = tmp_path / "cnn.ember"
    ember = [sys.executable, "-m", "ember.cli"]
    r = subprocess.run(ember + ["export", path, "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(ember + ["validate", path, str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "python runtime vs eager: ok" in r.stdout and "c runtime vs eager: ok" in r.stdout


def _model(nodes, inputs, outputs, initializers=(), opset=17, domain=""):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(domain, opset)])


def _fails(model_or_bytes, tmp_path, match):
    path = tmp_path / "bad.onnx"
    path.write_bytes(model_or_bytes if isinstance(model_or_bytes, bytes) else model_or_bytes.SerializeToString())
    with pytest.raises(ExportError, match=match):
        export_onnx(str(path))
    r = subprocess.run([sys.executable, "-m", "ember.cli", "export", str(path), "-o", str(tmp_path / "o.ember")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("ember: error:"), r.stderr


def test_malformed_onnx(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    _fails(b"\x00\x01 not a protobuf at all", tmp_path, "not an ONNX model")
    # an initializer that is missing: Add reads 'w', which nobody produces
    _fails(_model([helper.make_node("Add", ["x", "w"], ["y"])], [x], [y]), tmp_path,
           "shape inference failed|a missing initializer")
    _fails(_model([helper.make_node("Relu", ["x"], ["y"])], [x], [y], domain="com.example"), tmp_path,
           "no opset of the default ONNX domain")
    # an older opset is upgraded by onnx's version converter; one it cannot upgrade is an error
    _fails(_model([helper.make_node("Scatter", ["x"], ["y"])], [x], [y], opset=9), tmp_path,
           "opset 9; Ember imports opset 13 and newer, and onnx's version converter cannot upgrade it")
    cycle = _model([helper.make_node("Add", ["x", "b"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
                    helper.make_node("Identity", ["a"], ["y"])], [x], [y])
    _fails(cycle, tmp_path, "cycle|shape inference failed")


def test_older_opset_is_upgraded(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [x], [y], opset=9)
    graph, _ = import_onnx(model)
    assert [n.op for n in graph.nodes] == ["RELU"]


def test_unsupported_onnx_ops_listed_with_node_names(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])
    model = _model([helper.make_node("Relu", ["x"], ["a"]),
                    helper.make_node("LRN", ["a"], ["b"], name="my_lrn", size=3),
                    helper.make_node("CumProd", ["a", "axis"], ["c"], name="my_cumprod"),
                    helper.make_node("Add", ["b", "c"], ["y"])],
                   [x], [y], [helper.make_tensor("axis", TensorProto.INT64, [], [1])], opset=21)
    path = tmp_path / "u.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(ExportError) as e:
        export_onnx(str(path))
    text = str(e.value)
    assert "2 ONNX node(s) cannot be imported" in text and "LRN node 'my_lrn'" in text
    assert "CumProd node 'my_cumprod'" in text


class _Dynamic(torch.nn.Module):
    """Batch and sequence sizes flow through shape arithmetic (Shape, Gather, Concat) into
    Reshape: the importer must turn them into Ember sizes."""
    def __init__(self):
        super().__init__()
        self.emb, self.ln, self.out = torch.nn.Linear(8, 16), torch.nn.LayerNorm(16), torch.nn.Linear(16, 4)

    def forward(self, x):
        h = self.ln(torch.relu(self.emb(x)))
        att = torch.softmax(h @ h.transpose(1, 2) / 4.0, -1) @ h
        b, s, d = att.shape
        return self.out((att + h).reshape(b * s, d)).reshape(b, s, 4).softmax(-1)


def _dynamic_onnx(tmp_path):
    torch.manual_seed(0)
    path = str(tmp_path / "dyn.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Dynamic().eval(), (torch.randn(2, 5, 8),), path, dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})
    return path


def test_dynamic_dimensions_bounded_from_the_command_line(tmp_path):
    from onnx.reference import ReferenceEvaluator
    path, out = _dynamic_onnx(tmp_path), str(tmp_path / "dyn.ember")
    ember = [sys.executable, "-m", "ember.cli"]
    r = subprocess.run(ember + ["export", path, "-o", out], capture_output=True, text=True)
    assert r.returncode == 2 and "dimension 0 is dynamic ('batch'): bound it with --dim batch=MAX" in r.stderr
    r = subprocess.run(ember + ["export", path, "-o", out, "--dim", "batch=4", "--dim", "seq=2..16"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(ember + ["inspect", out], capture_output=True, text=True)
    assert "size batch: 1..4" in r.stdout and "size seq: 2..16" in r.stdout
    assert "input  x: float32[batch, seq, 8]" in r.stdout and "output y: float32[batch, seq, 4]" in r.stdout
    reference = ReferenceEvaluator(path)
    rng = np.random.default_rng(0)
    for runtime in ("py", "c"):
        program = runtime_py.load(out, backend=runtime)
        for b, s in [(1, 2), (3, 7), (4, 16), (2, 5)]:
            x = rng.standard_normal((b, s, 8)).astype(np.float32)
            y = program.run("forward", x)[0]
            np.testing.assert_allclose(y, reference.run(None, {"x": x})[0], atol=FLOAT_ATOL, rtol=FLOAT_RTOL)
        with pytest.raises(runtime_py.InputError, match="batch|at most 4"):
            program.run("forward", np.zeros((5, 3, 8), np.float32))
    # CLI errors: a malformed bound, a name the model does not have, a range the model cannot take
    for bad, message in [("batch", "expected NAME=MAX or NAME=MIN..MAX"), ("batch=0", "need 1 <= MIN <= MAX"),
                         ("heads=4", "no input dimension of this model is named so")]:
        r = subprocess.run(ember + ["export", path, "-o", out, "--dim", bad, "--dim", "seq=8"],
                           capture_output=True, text=True)
        assert r.returncode == 2 and message in r.stderr, (bad, r.stderr)
