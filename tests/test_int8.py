"""Static int8 programs end to end: per-op programs and every zoo model bit-identical
in the Python and C runtimes, accuracy against eager float, file size, the CLI, and
bad calibration input. The kernels' arithmetic is in test_int8_kernels.py."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import runtime_py
from exporter import ExportError, export_module
from helpers import eager
from zoo_models import ZOO, calibration_batches, exported, exported_int8

CNN_ZOO = ["cnn", "mobilenet_v2", "resnet", "audio", "unet"]


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def both_runtimes(data, arrays):
    py = runtime_py.load(data).run("forward", *arrays)
    c = runtime_py.load(data, backend="c").run("forward", *arrays)
    for i, (p, q) in enumerate(zip(py, c)):
        assert p.dtype == q.dtype and p.shape == q.shape
        assert np.array_equal(p, q), f"output {i}: C differs from Python by up to {np.abs(p - q).max()}"
    return py


# ---- per-op programs ---------------------------------------------------------------
class Wrap(nn.Module):
    """conv -> body(...) so the op under test sees int8 inputs."""
    def __init__(self, body, channels=4, two=False):
        super().__init__()
        torch.manual_seed(0)
        self.a = nn.Conv2d(3, channels, 1)
        self.b = nn.Conv2d(3, channels, 3, padding=1) if two else None
        self.body = body

    def forward(self, x):
        return self.body(self.a(x), self.b(x)) if self.b is not None else self.body(self.a(x))


OP_CASES = {
    "conv_relu": (nn.Sequential(nn.Conv2d(3, 6, 3, stride=2, padding=1), nn.ReLU()), "CONV2D"),
    "conv_relu6_dilated": (nn.Sequential(nn.Conv2d(3, 6, 3, padding=2, dilation=2), nn.ReLU6()), "CONV2D"),
    "depthwise": (Wrap(nn.Conv2d(4, 4, 3, padding=1, groups=4)), "CONV2D"),
    # the C runtime's 3-column depthwise kernel (stride 2, KH != 3, odd padding, several
    # requantization passes on a wide image) and the general one it leaves (dilation, 5x5)
    "depthwise_stride2_relu6": (Wrap(nn.Sequential(nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4), nn.ReLU6())),
                                "CONV2D"),
    "depthwise_5x3": (Wrap(nn.Conv2d(4, 4, (5, 3), padding=(1, 2), groups=4)), "CONV2D"),
    "depthwise_wide": (Wrap(nn.Conv2d(4, 4, 3, padding=1, groups=4)), "CONV2D"),
    "depthwise_dilated": (Wrap(nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=4)), "CONV2D"),
    "depthwise_5x5": (Wrap(nn.Conv2d(4, 4, 5, stride=2, padding=2, groups=4)), "CONV2D"),
    "conv_transpose_relu": (nn.Sequential(nn.Conv2d(3, 4, 1), nn.ConvTranspose2d(4, 6, 3, 2, 1, 1), nn.ReLU()),
                            "CONV_TRANSPOSE2D"),
    "conv_transpose_grouped": (Wrap(nn.ConvTranspose2d(4, 6, (2, 3), (2, 1), groups=2, dilation=(1, 2))),
                               "CONV_TRANSPOSE2D"),
    "linear": (nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 5), nn.ReLU()), "FULLY_CONNECTED"),
    "add_relu": (Wrap(lambda a, b: F.relu(a + b), two=True), "ADD"),
    "sub": (Wrap(lambda a, b: a - b, two=True), "SUB"),
    "mul_broadcast": (Wrap(lambda a, b: a * b.mean(dim=(2, 3), keepdim=True), two=True), "MUL"),
    "matmul": (Wrap(lambda a, b: a @ b.transpose(2, 3), two=True), "BATCH_MATMUL"),
    "avg_pool": (Wrap(nn.AvgPool2d(3, 2, 1, count_include_pad=False)), "AVG_POOL2D"),
    "max_pool": (Wrap(nn.MaxPool2d(3, 2, 1)), "MAX_POOL2D"),
    "max_pool_dilated": (Wrap(nn.MaxPool2d(3, 1, 1, dilation=2)), "MAX_POOL2D"),
    "max_pool_wide": (Wrap(nn.MaxPool2d(2, 1)), "MAX_POOL2D"),   # rows past one 256-column chunk
    "mean": (Wrap(lambda a: a.mean(dim=(2, 3))), "REDUCE_MEAN"),
    "concat": (Wrap(lambda a, b: torch.cat([a, b * 3], 1), two=True), "CONCAT"),
    "pad": (Wrap(lambda a: F.pad(a, (1, 2, 0, 1))), "PAD"),
    "sigmoid": (Wrap(torch.sigmoid), "SIGMOID"),
    "tanh": (Wrap(torch.tanh), "TANH"),
    "gelu": (Wrap(F.gelu), "GELU"),
    # pointwise chains of one int8 tensor: one TABLE_LOOKUP (exporter/quantize/pointwise.py)
    "hardswish": (Wrap(F.hardswish), "TABLE_LOOKUP"),     # decomposed: x * clamp(x + 3, 0, 6) / 6
    "elu": (Wrap(nn.ELU(0.7)), "TABLE_LOOKUP"),
    "silu": (Wrap(nn.SiLU()), "TABLE_LOOKUP"),
    "leaky_relu": (Wrap(nn.LeakyReLU(0.1)), "TABLE_LOOKUP"),
    "hardsigmoid": (Wrap(nn.Hardsigmoid()), "TABLE_LOOKUP"),
    "mish": (Wrap(nn.Mish()), "TABLE_LOOKUP"),
    "sin_scaled": (Wrap(lambda a: torch.sin(a) * 0.5 + 1), "TABLE_LOOKUP"),
    "reciprocal": (Wrap(lambda a: torch.reciprocal(a.abs() + 1)), "TABLE_LOOKUP"),
    "reflection_pad": (Wrap(nn.ReflectionPad2d(2)), "REFLECTION_PAD"),
    "replication_pad": (Wrap(nn.ReplicationPad2d((1, 2, 0, 1))), "REPLICATION_PAD"),
    "gather_elements": (Wrap(lambda a: torch.gather(a, 1, torch.tensor([[[[1]], [[0]]]]).expand(2, 2, 8, 8))),
                        "GATHER_ELEMENTS"),
    "amax": (Wrap(lambda a: a.amax(1)), "REDUCE_MAX"),
    "topk_values": (Wrap(lambda a: torch.topk(a, 3, dim=-1).values), "GATHER_ELEMENTS"),   # TOPK reads int8
    "softmax": (Wrap(lambda a: torch.softmax(a, dim=-1)), "SOFTMAX"),
}
OP_INPUT_SHAPES = {"depthwise_wide": (1, 3, 40, 70), "max_pool_wide": (1, 3, 5, 600)}   # others: (2, 3, 8, 8)


@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_int8_op_programs_agree_bit_for_bit(case):
    body, op = OP_CASES[case]
    model = body if isinstance(body, nn.Module) else body
    model.eval()
    torch.manual_seed(0)
    x = torch.randn(*OP_INPUT_SHAPES.get(case, (2, 3, 8, 8)))
    data = export_module(model, (x,), quantize="int8", calibration=calibration_batches((x,)))
    m = runtime_py.load(data).method()
    assert op in [o for o, p in zip(m.operators, m.precisions) if p == "int8"], (m.operators, m.precisions)
    got = both_runtimes(data, [x.numpy()])
    want = eager(model, (x,))
    assert cosine(got[0], want[0]) > 0.98


# ---- the zoo -----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_int8_bit_identical_and_accurate(name):
    model, inputs, data = exported_int8(name)
    arrays = [t.numpy() for t in inputs]
    got = both_runtimes(data, arrays)
    want = eager(model, inputs)
    # the bundled case holds the program's own int8 results: exact when every op is
    cases = runtime_py.load(data).method().test_cases()
    for g, w in zip(got, cases[0][1]):
        np.testing.assert_allclose(g, w, atol=cases[0][2], rtol=cases[0][3])
    for g, w in zip(got, want):
        c = cosine(g, w)
        print(f"{name}: cosine {c:.5f}")
        assert c >= (0.99 if name in CNN_ZOO else 0.98), f"{name}: cosine {c:.5f}"


@pytest.mark.parametrize("name", ["cnn", "mobilenet_v2", "resnet"])
def test_int8_file_is_under_three_tenths_of_float(name):
    """At 4x the zoo's channel width, where weights dominate the file (the default zoo
    models hold 3-40 thousand parameters, whose per-channel scales, multipliers and
    int32 biases alone are 0.3-0.5x of the float file). Bundled test cases (the same
    float data in both) are left out."""
    _, _, q = exported_int8(name, width=4, bundle_test=False)
    model, inputs = ZOO[name](width=4)
    f = export_module(model.eval(), inputs, bundle_test=False)
    print(f"{name} x4: int8 {len(q):,} B, float {len(f):,} B, {len(q) / len(f):.3f}x")
    assert len(q) <= 0.3 * len(f)


# ---- edge cases ------------------------------------------------------------------
def test_constant_channel_and_zero_range_activation():
    """A conv channel whose weights are all zero (its output is the bias, a constant)
    and an activation that is always 0: both quantize without a division by zero and
    give the right values."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
    with torch.no_grad():
        model[0].weight[1] = 0.0
        model[0].bias[1] = 0.7
        model[0].weight[2] = 0.0
        model[0].bias[2] = -1.0          # relu: always 0, a zero-range channel inside a tensor
    zero = nn.Sequential(nn.Conv2d(3, 2, 1), nn.ReLU(), nn.Conv2d(2, 2, 1))
    with torch.no_grad():
        zero[0].weight.zero_()
        zero[0].bias.fill_(-1.0)          # the middle activation is always exactly 0
    x = torch.randn(2, 3, 6, 6)
    for m in (model.eval(), zero.eval()):
        data = export_module(m, (x,), quantize="int8", calibration=calibration_batches((x,)))
        got = both_runtimes(data, [x.numpy()])[0]
        want = eager(m, (x,))[0]
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, want, atol=0.05 * np.abs(want).max() + 1e-6)
    np.testing.assert_allclose(both_runtimes(export_module(model.eval(), (x,), quantize="int8",
                               calibration=calibration_batches((x,))), [x.numpy()])[0][:, 1], 0.7, atol=0.01)


def test_bad_calibration_data(tmp_path):
    model, inputs = ZOO["cnn"]()
    model.eval()

    def fails(calibration, match):
        with pytest.raises(ExportError, match=match):
            export_module(model, inputs, quantize="int8", calibration=calibration)

    np.save(tmp_path / "wrong_shape.npy", np.zeros((4, 3, 8, 8), np.float32))
    fails(str(tmp_path / "wrong_shape.npy"), r"shape \[2, 3, 8, 8\], the model's input 0 has shape \[2, 3, 16, 16\]")
    np.save(tmp_path / "ints.npy", np.zeros((4, 3, 16, 16), np.int64))
    fails(str(tmp_path / "ints.npy"), "dtype int64, the model's input 0 is float32")
    np.save(tmp_path / "empty.npy", np.zeros((0, 3, 16, 16), np.float32))
    fails(str(tmp_path / "empty.npy"), "empty")
    os.mkdir(tmp_path / "nothing")
    fails(str(tmp_path / "nothing"), "empty")
    fails([], "empty")
    fails(str(tmp_path / "missing.npz"), "no such file")
    (tmp_path / "calib.py").write_text("def boom():\n    raise RuntimeError('no data here')\n")
    fails(f"{tmp_path / 'calib.py'}:boom", "the function raised RuntimeError: no data here")
    with pytest.raises(ExportError, match="needs calibration data"):
        export_module(model, inputs, quantize="int8")
    np.save(tmp_path / "scalar.npy", np.float32(1.0))
    fails(str(tmp_path / "scalar.npy"), "samples must be stacked along dimension 0")
    # 7 samples for a batch of 2: three batches, the odd sample left out
    np.save(tmp_path / "seven.npy", np.random.default_rng(0).standard_normal((7, 3, 16, 16)).astype(np.float32))
    data = export_module(model, inputs, quantize="int8", calibration=str(tmp_path / "seven.npy"))
    assert "int8" in runtime_py.load(data).method().precisions
    # a folder of .npz files with stacked samples works
    os.mkdir(tmp_path / "good")
    np.savez(tmp_path / "good" / "a.npz", x=np.random.default_rng(0).standard_normal((6, 3, 16, 16)).astype(np.float32))
    data = export_module(model, inputs, quantize="int8", calibration=str(tmp_path / "good"))
    assert "int8" in runtime_py.load(data).method().precisions


def test_cli_export_inspect_validate_int8(tmp_path):
    np.save(tmp_path / "calib.npy", np.random.default_rng(0).standard_normal((8, 3, 16, 16)).astype(np.float32))
    (tmp_path / "model.py").write_text(
        "import sys\nsys.path.insert(0, %r)\nfrom zoo_models import cnn\n\ndef make():\n    return cnn()\n"
        % os.path.dirname(os.path.abspath(__file__)))
    ember = [sys.executable, "-m", "ember.cli"]
    out = tmp_path / "cnn8.ember"
    r = subprocess.run(ember + ["export", f"{tmp_path}/model.py:make", "-o", str(out), "--quantize", "int8",
                                "--calibration", str(tmp_path / "calib.npy")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "calibrating on 4 batch(es), minmax observer" in r.stderr
    r = subprocess.run(ember + ["inspect", str(out)], capture_output=True, text=True)
    assert re.search(r"int8: +6 ops  CONV2D x2, MAX_POOL2D x2, FULLY_CONNECTED x1, RESHAPE x1", r.stdout), r.stdout
    assert re.search(r"convert: +2 ops  DEQUANTIZE x1, QUANTIZE x1", r.stdout)
    r = subprocess.run(ember + ["validate", f"{tmp_path}/model.py:make", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SQNR dB" in r.stdout and "bit-identical" in r.stdout and "cosine >= 0.99, int8 program" in r.stdout
    r = subprocess.run(ember + ["validate", f"{tmp_path}/model.py:make", str(out), "--atol", "1e-6"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "FAIL" in r.stdout
    r = subprocess.run(ember + ["export", f"{tmp_path}/model.py:make", "-o", str(out), "--quantize", "int8",
                                "--calibration", str(tmp_path / "nope.npy")], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("ember: error: calibration data")


# ---- int8-dynamic and int8-weight-only -------------------------------------------------
def dynamic_linear_reference(x, w_q, scales, bias):
    """The dynamic path written plainly: per row, max|x|/127, rint, integer dot products."""
    rows = x.reshape(-1, x.shape[-1]).astype(np.float32)
    out = np.zeros((len(rows), w_q.shape[0]), np.float32)
    for r, row in enumerate(rows):
        amax = np.float32(np.abs(row).max())
        sx = amax / np.float32(127) if amax > 0 else np.float32(1)
        q = [int(max(-127, min(127, np.rint(np.float32(v) / sx)))) for v in row]
        for n in range(w_q.shape[0]):
            acc = sum(a * int(b) for a, b in zip(q, w_q[n]))
            out[r, n] = np.float32(acc) * (sx * scales[n]) + bias[n]
    return out.reshape(x.shape[:-1] + (w_q.shape[0],))


@pytest.mark.parametrize("k,n", [(7, 5), (256, 64), (300, 70), (600, 130)])
def test_dynamic_and_weight_only_linear(k, n):
    torch.manual_seed(k)
    model = nn.Linear(k, n).eval()
    x = torch.randn(3, 2, k)
    x[0, 0] = 0.0                                        # a row of zeros
    want = eager(model, (x,))[0]
    for mode in ("int8-dynamic", "int8-weight-only"):
        data = export_module(model, (x,), quantize=mode)
        m = runtime_py.load(data).method()
        assert m.precisions.count("int8-dynamic" if mode == "int8-dynamic" else "int8-weight") == 1
        w_t = [t for t in m.tensors if t.dtype == 1][0]
        w_q = runtime_py.load(data)._constant(w_t, np.dtype(np.int8), tuple(w_t.shape))
        scales = np.array(w_t.quantization.scale, np.float32)
        py = runtime_py.load(data).run("forward", x.numpy())[0]
        c = runtime_py.load(data, backend="c").run("forward", x.numpy())[0]
        bias = model.bias.detach().numpy()
        if mode == "int8-dynamic":
            assert np.array_equal(py, dynamic_linear_reference(x.numpy(), w_q, scales, bias))
            assert np.array_equal(py, c)                   # integer accumulation: same bits
        else:
            ref = x.numpy() @ (w_q.astype(np.float32) * scales[:, None]).T + bias
            np.testing.assert_allclose(py, ref, atol=1e-5, rtol=1e-5)
            np.testing.assert_allclose(c, py, atol=1e-5, rtol=1e-5)
        assert cosine(py, want) > 0.999


@pytest.mark.parametrize("name", ["mlp", "transformer_encoder", "hand_encoder", "gpt_block", "hf_bert",
                                  "hf_gpt2", "lstm"])
@pytest.mark.parametrize("mode", ["int8-dynamic", "int8-weight-only"])
def test_zoo_weight_quantization(name, mode):
    model, inputs, _ = exported(name)
    data = export_module(model, inputs, quantize=mode)
    arrays = [t.numpy() for t in inputs]
    py = runtime_py.load(data).run("forward", *arrays)
    c = runtime_py.load(data, backend="c").run("forward", *arrays)
    for p, q, w in zip(py, c, eager(model, inputs)):
        np.testing.assert_allclose(q, p, atol=1e-5, rtol=1e-5)
        assert cosine(p, w) >= 0.999, cosine(p, w)
    assert len(data) < len(exported(name)[2])


def test_weight_modes_refuse_calibration_and_models_without_linear_layers():
    model, inputs = ZOO["mlp"]()
    with pytest.raises(ExportError, match="needs no calibration"):
        export_module(model.eval(), inputs, quantize="int8-dynamic", calibration=calibration_batches(inputs))
    conv = nn.Conv2d(3, 4, 3).eval()
    with pytest.raises(ExportError, match="no linear layer"):
        export_module(conv, (torch.randn(1, 3, 8, 8),), quantize="int8-weight-only")
    with pytest.raises(ExportError, match="unknown quantization 'int4'"):
        export_module(conv, (torch.randn(1, 3, 8, 8),), quantize="int4")


def test_plain_int8_arithmetic_is_not_quantized():
    """INT8 tensors without quantization parameters keep numpy's wrapping arithmetic:
    only a quantized output selects the integer-quantized kernel."""
    class M(nn.Module):
        def forward(self, a, b):
            return a + b, a * b, a - b
    a = torch.tensor([[100, -100, 5, 127]], dtype=torch.int8)
    b = torch.tensor([[100, -100, 7, 1]], dtype=torch.int8)
    data = export_module(M(), (a, b))
    got = both_runtimes(data, [a.numpy(), b.numpy()])
    for g, w in zip(got, eager(M(), (a, b))):
        assert g.dtype == np.int8 and np.array_equal(g, w)


def test_arg_max_reads_the_int8_tensor():
    """ARG_MAX of an int8 result reads the int8 values (no DEQUANTIZE in between): the
    index of the largest int8 value, which is the largest dequantized value."""
    model = Wrap(lambda a: (a.argmax(1), a.argmin(-1))).eval()
    x = torch.randn(2, 3, 8, 8)
    data = export_module(model, (x,), quantize="int8", calibration=calibration_batches((x,)))
    m = runtime_py.load(data).method()
    assert m.operators == ["QUANTIZE", "CONV2D", "ARG_MAX", "ARG_MIN"], m.operators
    seen = {}
    got = m.run(x.numpy(), trace=lambda k, op, names, arrays: seen.setdefault(op, arrays[0]))
    conv = seen["CONV2D"]
    assert conv.dtype == np.int8
    assert np.array_equal(got[0], np.argmax(conv, 1)) and np.array_equal(got[1], np.argmin(conv, -1))
    assert all(np.array_equal(p, c) for p, c in zip(got, both_runtimes(data, [x.numpy()])))
    want = eager(model, (x,))
    assert (got[0] == want[0]).mean() > 0.9       # a near tie may flip under quantization
