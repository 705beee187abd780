"""The runtime-only install: `pip install 'ember[runtime]'` brings numpy and flatbuffers only,
and with just those `ember run`, `ember inspect` and runtime_py work, while `ember export`
says in one line what to install. Simulated here by a Python that cannot import torch or onnx."""
import os
import subprocess
import sys
import tomllib

import torch

from exporter import export_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A Python without the exporter's packages: importing torch or onnx fails as if not installed.
WITHOUT_EXPORTER = """
import sys
class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "onnx"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _NotInstalled())
from ember.cli import main
rc = main(sys.argv[1:])
assert not any(m.split(".")[0] in ("torch", "onnx") for m in sys.modules), "imported torch or onnx"
sys.exit(rc)
"""


def _ember_without_exporter(*args, cwd):
    r = subprocess.run([sys.executable, "-c", WITHOUT_EXPORTER, *map(str, args)], cwd=cwd,
                       capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ROOT})
    return r.returncode, r.stdout, r.stderr


def test_runtime_extra_is_numpy_and_flatbuffers_only():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    runtime = project["dependencies"] + project["optional-dependencies"]["runtime"]
    names = sorted(d.split("=")[0] for d in runtime)
    assert names == ["flatbuffers", "numpy"]
    assert sorted(d.split("=")[0] for d in project["optional-dependencies"]["export"]) == ["onnx", "torch"]


def test_run_and_inspect_need_only_the_runtime(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU()).eval()
    (tmp_path / "m.ember").write_bytes(export_module(model, (torch.randn(2, 8),)))
    rc, out, err = _ember_without_exporter("run", "m.ember", cwd=tmp_path)
    assert rc == 0, err
    assert out.startswith("output: float32[2, 4] "), out
    rc, out, err = _ember_without_exporter("inspect", "m.ember", cwd=tmp_path)
    assert rc == 0, err
    assert "FULLY_CONNECTED" in out


def test_export_without_torch_says_what_to_install(tmp_path):
    rc, out, err = _ember_without_exporter("export", "nets.py:model", cwd=tmp_path)
    assert rc == 2
    assert err.strip().splitlines() == [
        "ember: error: 'ember export' needs the exporter's packages and torch is not installed: pip install "
        "'ember[export]' (ember run and ember inspect need only the runtime)"]
