"""The trained demo model (demo/digits.py) in static int8 keeps its held-out accuracy
within 1 percentage point of float, with the Python and C runtimes bit-identical."""
import os
import sys

import numpy as np
import torch

import runtime_py
from exporter import export_module

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demo"))
import digits  # noqa: E402


def test_demo_model_int8_accuracy(tmp_path, monkeypatch):
    monkeypatch.setattr(digits, "OUT", str(tmp_path))
    monkeypatch.setattr(digits, "WEIGHTS", str(tmp_path / "w.pt"))
    monkeypatch.setattr(digits, "TEST_SET", str(tmp_path / "test.npz"))
    monkeypatch.setattr(digits, "CALIBRATION", str(tmp_path / "calibration.npy"))
    digits.train(log=lambda *_: None)
    model, example = digits.trained()
    test = np.load(digits.TEST_SET)
    x, labels = test["x"], test["labels"]
    with torch.no_grad():
        float_acc = float((model(torch.from_numpy(x)).numpy().argmax(1) == labels).mean())
    data = export_module(model, example, quantize="int8", calibration=digits.CALIBRATION)
    py = runtime_py.load(data).run("forward", x[:8])[0]
    # the same program with the whole held-out set as one batch needs a dynamic batch
    from exporter import DynamicDim
    data = export_module(model, example, quantize="int8", calibration=digits.CALIBRATION,
                         dynamic=[DynamicDim("batch", 0, 512)])
    q_py = runtime_py.load(data).run("forward", x)[0]
    q_c = runtime_py.load(data, backend="c").run("forward", x)[0]
    assert np.array_equal(q_py, q_c)
    assert np.array_equal(q_py[:8], py)
    int8_acc = float((q_py.argmax(1) == labels).mean())
    print(f"held-out accuracy: float {float_acc:.2%}, int8 {int8_acc:.2%}")
    assert float_acc > 0.95
    assert float_acc - int8_acc <= 0.01
