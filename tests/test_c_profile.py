"""Per-operator profiling and operator introspection of the C runtime.

`ember_run --profile` / `--profile-json` on a zoo program: the operators it reports are the
program's (as the Python runtime reads them), every run's records account for the run
(an accounting check of one clock, not a speed target), and the table has a row per
operator. ember_method_operator_info / ember_method_operator_tensor (through ctypes on
libember.so) against the Python runtime's operator_table and tensor shapes, for a model
with a dynamic dimension before and after binding a smaller size.

The hook's own contract (no heap, exact clock reads, short buffers, an unset profile left
alone, bad arguments) is checked by runtime_c/tests/native_test.c on every zoo program
(tests/test_c_runtime.py)."""
import ctypes
import json
import os
import re
import subprocess

import numpy as np
import pytest
import torch

import runtime_py
from exporter import DynamicDim, export_module
from runtime_py.c_backend import MAX_RANK, CProgram, TensorInfo
from zoo_models import exported, hand_encoder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME_C = os.path.join(ROOT, "runtime_c")
EMBER_RUN = os.path.join(RUNTIME_C, "build", "ember_run")
LIBEMBER = os.path.join(RUNTIME_C, "build", "libember.so")
GEMM_OPS = {"CONV2D", "CONV_TRANSPOSE2D", "FULLY_CONNECTED", "BATCH_MATMUL"}
ROW = re.compile(r"^\s*(\d+)\s+([A-Z][A-Z0-9_]*)\s+(.*?)\s+(\[[\d, ]*\]|-)\s+(\w+|-)\s+([\d.]+)\s+([\d.]+)%\s+"
                 r"(.+)$")


@pytest.fixture(scope="module")
def built():
    r = subprocess.run(["make", "-j2", "--no-print-directory", "-C", RUNTIME_C, "all"], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def python_inputs(method, k):
    """Operator k's input tensor indices as the file lists them: the Python runtime pads
    absent trailing optional inputs with -1, the C runtime reports the file's list."""
    return method.operator_table[k].inputs


def test_ember_run_profile_json_and_table(tmp_path, built):
    data = exported("mobilenet_v2")[2]
    path = tmp_path / 'mobile "net"\\v2.ember'   # the program path must come back through JSON escaping
    path.write_bytes(data)
    method = runtime_py.load(data).method()
    names, table = method.operators, method.operator_table
    out = tmp_path / "out.json"
    r = subprocess.run([EMBER_RUN, str(path), "--profile", "--profile-json", str(out), "-n", "5"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(out.read_text())
    assert doc["program"] == str(path) and doc["method"] == "forward"
    assert doc["threads"] == 1 and doc["clock"] == "ns"

    ops = doc["operators"]
    assert [o["op"] for o in ops] == names
    for k, o in enumerate(ops):
        assert o["index"] == k and o["source"] == table[k].source
        ins = python_inputs(method, k)
        assert len(o["inputs"]) <= len(ins) and all(i == -1 for i in ins[len(o["inputs"]):])
        for j, t in enumerate(o["inputs"]):
            if ins[j] < 0:
                assert t is None
            else:
                info = method.tensor_info(ins[j])
                assert t == {"dtype": info["dtype"], "shape": info["shape"]}, (k, j)
        assert [t["shape"] for t in o["outputs"]] == [method.tensor_info(i)["shape"] for i in table[k].outputs]

    runs = doc["runs"]
    assert len(runs) == 5
    for run in runs:
        assert run["start"] <= run["end"]
        assert [k for k, _, _ in run["ops"]] == list(range(len(names)))
        previous = run["start"]
        for _, start, end in run["ops"]:
            assert previous <= start <= end <= run["end"]
            previous = end
        # accounting on one clock: the operators take most of a run of this model
        busy, whole = sum(end - start for _, start, end in run["ops"]), run["end"] - run["start"]
        assert 0.9 * whole <= busy <= whole, (busy, whole)

    # the table: one row per operator, in order, a rate of the right kind; then the totals
    rows = [ROW.match(ln) for ln in r.stdout.splitlines()]
    rows = [m for m in rows if m]
    assert [(int(m[1]), m[2]) for m in rows] == list(enumerate(names)), r.stdout
    for m, o in zip(rows, ops):
        assert m[4] == "[" + ", ".join(map(str, o["outputs"][0]["shape"])) + "]" and m[5] == "float32"
        assert m[3].startswith(os.path.basename(table[int(m[1])].source.split(":")[0]) + ":"), m[3]
        assert m[8].endswith("GFLOP/s" if o["op"] in GEMM_OPS else "GB/s") or m[8] == "-", m[8]
    assert abs(sum(float(m[7]) for m in rows) - 100.0) < 1.0
    total = re.search(r"^total: operators ([\d.]+) us \(sum of medians\), run ([\d.]+) us \(median of run_end - "
                      r"run_start\), operators/run ([\d.]+)%$", r.stdout, re.M)
    assert total, r.stdout
    assert 0 < float(total[1]) and 0 < float(total[2])
    assert "profile: 5 runs after 1 warm-up, 1 thread;" in r.stdout
    assert f"wrote {out}" in r.stdout and "output 0 " in r.stdout


def test_ember_run_profile_defaults_and_threads(tmp_path, built):
    path = tmp_path / "cnn.ember"
    path.write_bytes(exported("cnn")[2])
    out = tmp_path / "p.json"
    r = subprocess.run([EMBER_RUN, str(path), "--profile-json", str(out), "--threads", "2"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(out.read_text())
    assert doc["threads"] == 2 and len(doc["runs"]) == 10   # --profile-json implies --profile, 10 runs
    assert "profile: 10 runs after 1 warm-up, 2 threads;" in r.stdout
    assert "runs:" not in r.stdout                          # the plain timing line is replaced
    r = subprocess.run([EMBER_RUN, str(path), "--profile", "-n", "0"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "usage" in r.stderr
    r = subprocess.run([EMBER_RUN, str(path), "--profile-json", str(tmp_path / "no" / "such" / "dir.json"), "-n", "1"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "cannot write" in r.stderr


# ---- operator introspection through ctypes ---------------------------------------------
class OperatorInfo(ctypes.Structure):
    _fields_ = [("op", ctypes.c_char_p), ("opcode", ctypes.c_int32), ("source", ctypes.c_char_p),
                ("n_inputs", ctypes.c_int32), ("n_outputs", ctypes.c_int32)]


def introspection_library():
    lib = ctypes.CDLL(LIBEMBER)   # its own function objects: the runtime's binding is left as it is
    P, I32 = ctypes.c_void_p, ctypes.c_int32
    lib.ember_method_operator_count.restype, lib.ember_method_operator_count.argtypes = I32, [P]
    lib.ember_method_operator_info.restype = ctypes.c_int
    lib.ember_method_operator_info.argtypes = [P, I32, ctypes.POINTER(OperatorInfo)]
    lib.ember_method_operator_tensor.restype = ctypes.c_int
    lib.ember_method_operator_tensor.argtypes = [P, I32, ctypes.c_int, I32, ctypes.POINTER(TensorInfo)]
    return lib


def c_operators(lib, handle):
    """Every operator: (op, source, [(name, dtype, shape) or None per input], [... per output])."""
    ops = []
    for k in range(lib.ember_method_operator_count(handle)):
        info = OperatorInfo()
        assert lib.ember_method_operator_info(handle, k, ctypes.byref(info)) == 0
        sides = []
        for output, n in ((0, info.n_inputs), (1, info.n_outputs)):
            side = []
            for j in range(n):
                t = TensorInfo()
                status = lib.ember_method_operator_tensor(handle, k, output, j, ctypes.byref(t))
                if status == 7:   # EMBER_ERR_INPUT: an absent optional input
                    assert not output and t.name == b"" and t.rank == 0
                    side.append(None)
                    continue
                assert status == 0 and 0 <= t.rank <= MAX_RANK
                side.append((t.name.decode(), runtime_py.c_backend.DTYPES[t.dtype].name, list(t.shape[:t.rank])))
            sides.append(side)
        ops.append((info.op.decode(), info.source.decode(), *sides))
    assert lib.ember_method_operator_info(handle, len(ops), ctypes.byref(OperatorInfo())) == 1   # out of range
    return ops


def python_operators(method, shapes):
    """The same from the Python runtime, with `shapes` (tensor index -> shape) for the
    tensors whose shape depends on the sizes."""
    def tensor(i):
        if i < 0:
            return None
        info = method.tensor_info(i)
        return info["name"], info["dtype"], shapes.get(i, info["max_shape"])
    return [(o.op, o.source, [tensor(i) for i in o.inputs], [tensor(i) for i in o.outputs])
            for o in method.operator_table]


def same_operators(c_ops, py_ops):
    assert [o[:2] for o in c_ops] == [o[:2] for o in py_ops]
    for k, (c, py) in enumerate(zip(c_ops, py_ops)):
        assert c[2] == py[2][:len(c[2])] and all(t is None for t in py[2][len(c[2]):]), (k, c[2], py[2])
        assert c[3] == py[3], (k, c[3], py[3])


def test_operator_introspection_matches_python_at_bound_sizes(built):
    model, (x,) = hand_encoder()
    data = export_module(model, (x,), dynamic=[DynamicDim("seq", 1, 16)])
    method = runtime_py.load(data).method()
    assert method.symbols == [("seq", 1, 16)]
    lib = introspection_library()
    cm = CProgram(data, library_path=LIBEMBER).method()

    # before a run: the declared maxima (seq = 16)
    same_operators(c_operators(lib, cm.handle), python_operators(method, {}))

    # after a run at seq = 5: every shape at that size, as the Python runtime computes them
    small = torch.randn(2, 5, 32).numpy()
    shapes = {}
    index = {method.tensor_info(i)["name"]: i for o in method.operator_table for i in o.inputs + o.outputs if i >= 0}
    for spec, a in zip(method.inputs, [small]):
        shapes[index[spec["name"]]] = list(a.shape)

    def trace(k, name, out_names, arrays):
        for i, a in zip(method.operator_table[k].outputs, arrays):
            shapes[i] = list(a.shape)
    want = method.run(small, trace=trace)
    got = cm.run(small)
    np.testing.assert_allclose(got[0], want[0], atol=1e-4, rtol=1e-4)
    c_ops = c_operators(lib, cm.handle)
    same_operators(c_ops, python_operators(method, shapes))
    assert any(t is not None and t[2][1:2] == [5] for o in c_ops for t in o[2] + o[3])   # really the bound size
    assert all(16 not in t[2] for o in c_ops for t in o[3])
