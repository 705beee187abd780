"""Bad input: every case gives one clear error line and a non-zero exit, never a traceback."""
import os
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import importlib
import runtime_py
from exporter import export_module
from zoo_models import mlp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ember(*args, cwd=None):
    result = subprocess.run([sys.executable, "-m", "ember.cli", *map(str, args)],
                            capture_output=True, text=True, cwd=cwd or ROOT)
    return result.returncode, result.stdout, result.stderr


def assert_one_line_error(rc, err, pattern):
    assert rc == 2, err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ember: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], err   # progress lines may precede it
    assert "Traceback" not in err
    assert pattern in err, err


@pytest.fixture(scope="module")
def mlp_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("p") / "mlp.ember"
    model, inputs = mlp()
    path.write_bytes(export_module(model, inputs))
    return path


def test_missing_file(tmp_path):
    rc, _, err = ember("inspect", tmp_path / "nope.ember")
    assert_one_line_error(rc, err, "no such file")


def test_not_an_ember_file(tmp_path):
    bogus = tmp_path / "notes.ember"
    bogus.write_text("hello, this is not a model\n" * 4)
    rc, _, err = ember("inspect", bogus)
    assert_one_line_error(rc, err, "not an Ember program")


def test_truncated_file(tmp_path, mlp_file):
    data = mlp_file.read_bytes()
    cut = tmp_path / "cut.ember"
    cut.write_bytes(data[: len(data) - 100])
    rc, _, err = ember("run", cut)
    assert_one_line_error(rc, err, "truncated")


def test_truncation_at_every_length_is_rejected(mlp_file):
    data = mlp_file.read_bytes()
    for n in list(range(0, 64)) + list(range(64, len(data), 97)):
        with pytest.raises(runtime_py.FormatError):
            runtime_py.load(data[:n])


def test_random_corruption_never_crashes(mlp_file):
    data = bytearray(mlp_file.read_bytes())
    x = np.random.default_rng(0).standard_normal((4, 20)).astype(np.float32)
    rng = random.Random(0)
    rejected = 0
    for _trial in range(300):
        bad = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            bad[rng.randrange(len(bad))] = rng.randrange(256)
        try:
            runtime_py.load(bytes(bad)).run("forward", x)
        except runtime_py.EmberError as e:
            assert str(e)
            rejected += 1
    assert rejected > 0


def test_newer_major_version(tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.import_module("exporter.serialize"), "VERSION_MAJOR", 7)
    model, inputs = mlp()
    path = tmp_path / "future.ember"
    path.write_bytes(export_module(model, inputs))
    rc, _, err = ember("inspect", path)
    from schema import VERSION_MAJOR, VERSION_MINOR
    assert_one_line_error(rc, err, f"file schema version 7.{VERSION_MINOR} is newer than this runtime's "
                                   f"{VERSION_MAJOR}.{VERSION_MINOR}")


@pytest.mark.parametrize("array,message", [
    (np.zeros((4, 21), np.float32), "shape [4, 21], expected [4, 20]"),
    (np.zeros((4, 20), np.float64), "dtype float64, expected float32"),
    (np.zeros((20,), np.float32), "rank 1"),
])
def test_wrong_input(tmp_path, mlp_file, array, message):
    np.save(tmp_path / "x.npy", array)
    rc, _, err = ember("run", mlp_file, "--input", tmp_path / "x.npy")
    assert_one_line_error(rc, err, message)


def test_wrong_input_count(tmp_path, mlp_file):
    np.save(tmp_path / "x.npy", np.zeros((4, 20), np.float32))
    rc, _, err = ember("run", mlp_file, "-i", tmp_path / "x.npy", "-i", tmp_path / "x.npy")
    assert_one_line_error(rc, err, "takes 1 input(s), got 2")


def test_factory_that_raises(tmp_path):
    (tmp_path / "broken.py").write_text(textwrap.dedent("""
        def make():
            raise RuntimeError("weights file is corrupt")
    """))
    rc, _, err = ember("export", f"{tmp_path}/broken.py:make", "-o", tmp_path / "b.ember")
    assert_one_line_error(rc, err, "factory")
    assert "RuntimeError: weights file is corrupt" in err
    assert not (tmp_path / "b.ember").exists()


def test_unsupported_ops_listed_with_source_lines(tmp_path):
    src = tmp_path / "odd.py"
    src.write_text(textwrap.dedent("""
        import torch

        class Odd(torch.nn.Module):
            def forward(self, x):
                y = torch.median(x, dim=-1, keepdim=True).values
                z = torch.cummax(x, dim=-1).values
                return y + z + torch.nn.functional.relu(x)

        def make():
            return Odd(), (torch.randn(2, 5),)
    """))
    rc, _, err = ember("export", f"{src}:make", "-o", tmp_path / "o.ember")
    assert rc == 2 and "Traceback" not in err
    assert "2 operator(s) cannot be exported" in err
    assert "aten.median" in err and f"{src}:6" in err
    assert "aten.cummax" in err and f"{src}:7" in err


def test_missing_factory_and_bad_spec(tmp_path):
    rc, _, err = ember("export", "no_such_file.py:make")
    assert_one_line_error(rc, err, "not found")
    rc, _, err = ember("export", "just_a_name")
    assert_one_line_error(rc, err, "expected FILE.py:FACTORY")


def test_a_lowering_bug_is_reported_with_the_others(monkeypatch):
    """An unexpected exception inside one lowering becomes that op's line of the report, and the
    collection goes on past it: every problem at once, never a traceback."""
    import torch

    from exporter import UnsupportedOpsError
    from exporter.frontends.torch import registry

    def broken(ctx, x):
        raise IndexError("list index out of range")
    monkeypatch.setitem(registry.LOWERINGS, torch.ops.aten.relu.default, broken)

    class Model(torch.nn.Module):
        def forward(self, x):
            return torch.relu(x) + torch.median(x, dim=-1, keepdim=True).values

    with pytest.raises(UnsupportedOpsError) as info:
        export_module(Model(), (torch.randn(2, 5),))
    text = str(info.value)
    assert text.startswith("2 operator(s) cannot be exported:")
    assert "aten.relu.default at " in text
    assert "internal error while lowering: IndexError: list index out of range" in text
    assert "aten.median" in text


def test_an_unexpected_error_is_one_line(monkeypatch, tmp_path, capsys):
    """Anywhere else (a stage, a runtime): `ember: error: internal error at FILE:LINE: ...`, exit 2."""
    import ember.cli
    import exporter.pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(exporter.pipeline, "export", boom)
    monkeypatch.delenv("EMBER_TRACEBACK", raising=False)
    (tmp_path / "m.py").write_text("import torch\ndef make():\n    return torch.nn.ReLU(), (torch.randn(2),)\n")
    rc = ember.cli.main(["export", f"{tmp_path}/m.py:make", "-o", str(tmp_path / "m.ember"), "-q"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ember: error: internal error at ")
    assert "RuntimeError: boom (a bug in Ember: please report it; EMBER_TRACEBACK=1 shows the traceback)" in lines[0]
