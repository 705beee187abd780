"""Differential check: every fuzz input through the C runtime (ctypes, runtime_c/build/
libember.so) and the Python runtime, at the sizes its header picks.

    .venv/bin/python runtime_c/fuzz/differential.py DIR_OR_FILE... [--limit N] [--verbose]

For each file both runtimes either refuse it (any EmberError; the stage may differ) or
run it; where both run, the outputs must agree: integers exactly, floats within
rtol 1e-3 and an atol of 1e-3 x the output's largest magnitude; runs in which any float
value overflows (NaN, beyond 1e30, inf out of a sum: mutated weights and scales) are not
compared, since from there summation order decides the result. A mismatch is printed
and makes the exit status 1, unless it is one of the documented intended differences
(INTENDED below). Any exception other than an EmberError from the Python runtime is a
finding too (it must never raise anything else).
The C runtime runs in this process: give it only inputs the sanitizer build of the
fuzz target has already run without a finding (make fuzz does)."""
from __future__ import annotations

import argparse
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, HERE]

import numpy as np  # noqa: E402

import fuzz_input  # noqa: E402
import runtime_py  # noqa: E402
from runtime_py.c_backend import CProgram  # noqa: E402
from runtime_py.loader import DTYPES  # noqa: E402

RUN_ARENA_BYTES = 4 << 20      # as fuzz_program.c: larger methods are loaded, not run
MAX_ELEMENTS = 1 << 22         # inputs larger than this are not built (speed)

# Differences between the runtimes that are intended, by a part of the refusing runtime's message.
# Each is a check only one runtime can make, or makes at another stage.
INTENDED = {
    "(EMBER_ERR_FORMAT)": "the C reader verifies the FlatBuffer's structure (alignment, vtable and field "
                          "extents, vector and string bounds, NUL termination) as flatc's verifiers do; "
                          "the Python flatbuffers reader has none and reads what the offsets give, "
                          "failing only outside the buffer",
    "metadata": "the C loader verifies the metadata tables and strings; the Python runtime reads "
                "metadata only for `ember inspect`",
}
INTENDED["cannot allocate"] = ("a method larger than this host's memory: the C binding allocates it at init, "
                               "the Python runtime its arena at the first run")
# Where the Python run meets a float value beyond this (or NaN, or inf from a sum) in any
# operator's output, the rest depends on summation order: such a run is not compared.
FLOAT_RANGE = 1e30


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(33))
        x = x * np.uint64(0xFF51AFD7ED558CCD)
        x = x ^ (x >> np.uint64(33))
    return (x & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def fill(shape, dtype: np.dtype, index: int) -> np.ndarray:
    """The same data fuzz_program.c's fill() gives input `index`."""
    count = int(np.prod(shape, dtype=np.int64))
    with np.errstate(over="ignore"):
        r = _mix(np.arange(count, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(index))
    if dtype == np.float32:
        v = ((r % 64).astype(np.int32) - 32).astype(np.float32) / np.float32(8)
    elif dtype == np.int8 or dtype == np.uint8:
        v = (r & 0xFF).astype(np.uint8).view(dtype)
    elif dtype == np.bool_:
        v = (r & 1).astype(np.bool_)
    else:
        v = ((r % 11).astype(np.int64) - 2).astype(dtype)
    return v.reshape(shape)


def _outcome(fn):
    """('ok', value) or ('refused', message); other exceptions propagate."""
    try:
        return "ok", fn()
    except runtime_py.EmberError as e:
        return "refused", str(e)


def _inputs(py_method, picks):
    values = [fuzz_input.pick_value(picks[s % 8], lo, hi) for s, (_, lo, hi) in enumerate(py_method.symbols)]
    arrays = []
    for k, i in enumerate(py_method._inputs):
        try:
            shape = py_method._shape(i, values)
        except runtime_py.EmberError:   # no input has this size (C's set_input refuses it too)
            return None
        if any(d < 0 for d in shape) or np.prod(shape, dtype=np.float64) > MAX_ELEMENTS:
            return None
        arrays.append(fill(shape, DTYPES[py_method.tensors[i].dtype], k))
    return arrays


# Ops that sum many terms: where they give inf, the order of the sum decides (one runtime
# may reach inf where the other stays finite).
SUMS = frozenset({"FULLY_CONNECTED", "CONV2D", "BATCH_MATMUL", "REDUCE_SUM", "REDUCE_MEAN", "CUMSUM",
                  "SOFTMAX", "LOG_SOFTMAX", "LAYER_NORM", "AVG_POOL2D"})


def _overflows(ref: np.ndarray, op: str = "") -> bool:
    """A float tensor from which on the runtimes' different summation orders legitimately
    give different results: it holds NaN, a finite magnitude beyond FLOAT_RANGE, or an
    infinity made by a sum (an infinity carried along, as an attention mask's -inf, is
    compared: both runtimes treat it alike)."""
    if ref.dtype != np.float32 or ref.size == 0:
        return False
    finite = np.isfinite(ref)
    if np.isnan(ref).any() or (finite.any() and float(np.max(np.abs(ref[finite]))) > FLOAT_RANGE):
        return True
    return op in SUMS and not finite.all()


def _agree(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype != np.float32:
        return bool(np.array_equal(a, b))
    nan = np.isnan(a)
    if not np.array_equal(nan, np.isnan(b)):
        return False
    a, b = a[~nan].astype(np.float64), b[~nan].astype(np.float64)
    inf = np.isinf(a) | np.isinf(b)
    if not np.array_equal(a[inf], b[inf]):
        return False
    a, b = a[~inf], b[~inf]
    scale = max(1.0, float(np.max(np.abs(a)))) if a.size else 1.0
    return bool(np.allclose(a, b, rtol=1e-3, atol=1e-3 * scale))


def _prepare(program: bytes, load):
    """The program loaded and every method prepared: the Python loader verifies every op
    at load, the C runtime at load and init, so the two are compared together."""
    p = load(program)
    names = p.method_names if hasattr(p, "method_names") else list(p.methods)
    return p, {name: p.method(name) for name in names}


def check(data: bytes) -> tuple[str, str]:
    """('agree' | 'intended' | 'MISMATCH' | 'PYTHON-EXCEPTION', detail) for one fuzz input."""
    _, picks, program = fuzz_input.split(data)
    try:
        st_py, py = _outcome(lambda: _prepare(program, runtime_py.load))
        st_c, c = _outcome(lambda: _prepare(program, CProgram))
        if st_py != st_c:
            return _verdict(st_py, py, st_c, c, "load and init")
        if st_py == "refused":
            return "agree", "both refuse at load or init"
        for name, pm in py[1].items():
            cm = c[1][name]
            if pm.arena_size > RUN_ARENA_BYTES:
                continue
            arrays = _inputs(pm, picks)
            if arrays is None:
                continue
            overflow = []

            def watch(k, op, names, outputs, overflow=overflow):
                if not overflow and any(_overflows(a, op) for a in outputs):
                    overflow.append(f"operator {k} ({op})")
            st_py, out_py = _outcome(lambda pm=pm, arrays=arrays, watch=watch: pm.run(*arrays, trace=watch))
            st_c, out_c = _outcome(lambda cm=cm, arrays=arrays: cm.run(*arrays))
            if overflow:   # every later value depends on how each runtime orders its sums
                return "intended", f"method '{name}': float overflow at {overflow[0]} (not compared)"
            if st_py != st_c:
                return _verdict(st_py, out_py, st_c, out_c, "run")
            if st_c == "ok":
                for j, (a, b) in enumerate(zip(out_c, out_py)):
                    if not _agree(a, b):
                        return "MISMATCH", f"method '{name}' output {j}: C and Python outputs differ"
        return "agree", "same outcome"
    except Exception:   # noqa: BLE001 - anything but an EmberError is the finding
        return "PYTHON-EXCEPTION", traceback.format_exc(limit=3).strip().splitlines()[-1]


def _verdict(st_py, py, st_c, c, stage):
    message = c if st_c == "refused" else py
    who = "C" if st_c == "refused" else "Python"
    for prefix, why in INTENDED.items():
        if isinstance(message, str) and prefix in message:
            return "intended", f"{stage}: only {who} refuses ({why})"
    return "MISMATCH", f"{stage}: only {who} refuses: {message}"


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                yield os.path.join(p, name)
        else:
            yield p


def main() -> int:
    ap = argparse.ArgumentParser(description="C and Python runtimes on the same fuzz inputs")
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--limit", type=int, default=0, help="check at most N files (0: all)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    counts, bad = {}, 0
    for n, path in enumerate(files(args.paths)):
        if args.limit and n >= args.limit:
            break
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:   # a running fuzzer replaced it with a smaller input
            continue
        verdict, detail = check(data)
        counts[verdict] = counts.get(verdict, 0) + 1
        if verdict in ("MISMATCH", "PYTHON-EXCEPTION"):
            bad += 1
            print(f"{verdict} {path}: {detail}")
        elif args.verbose:
            print(f"{verdict} {path}: {detail}")
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"differential: {sum(counts.values())} files: {summary}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
