"""Hostile files, second round (issue 13): crafted reproducers in both runtimes, the
structure-aware libFuzzer target (runtime_c/fuzz) replaying its stored corpus and every
reproducer under ASan + UBSan and under clang's integer sanitizer, a short fuzzing run,
and the C-vs-Python differential check over what it generates."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import runtime_py
from runtime_py.c_backend import CProgram

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "runtime_c", "fuzz")
sys.path.insert(0, FUZZ)
import fuzz_input  # noqa: E402
import make_corpus  # noqa: E402

FUZZ_SECONDS = int(os.environ.get("FUZZ_SECONDS", "60"))
BINARIES = {"asan": os.path.join(ROOT, "runtime_c", "build", "fuzz", "fuzz_program"),
            "integer": os.path.join(ROOT, "runtime_c", "build", "fuzz-int", "fuzz_program")}


def refusal(fn):
    """The EmberError message of fn(), or None when it succeeds; any other exception fails."""
    try:
        fn()
    except runtime_py.EmberError as e:
        return str(e)
    return None


# ---- the reproducers, in both runtimes (C through the binding: a crash kills pytest) ----
def test_int8_gemm_with_k_zero_runs_in_both_runtimes():
    """Issue 13.1: seq = 1 gives an int8 BATCH_MATMUL K = 0 (a sum over nothing): both
    runtimes run it and agree bit for bit; before the fix the C runtime died of SIGFPE."""
    data = make_corpus.int8_k_zero()
    x = np.random.default_rng(3).standard_normal((2, 1, 8)).astype(np.float32)
    (py,) = runtime_py.load(data).run("forward", x)
    (c,) = CProgram(data).run("forward", x)
    assert py.shape == (2, 1, 8)
    np.testing.assert_array_equal(c, py)
    # the bias-free sum over no terms is exactly zero
    assert not py.any()


def test_int8_weight_with_k_zero_is_sized_then_refused():
    """Issue 13.1 at memory sizing: an int8 FULLY_CONNECTED weight of K = 0. The C runtime
    sized its scratch before any op check and divided by zero there; now both runtimes
    refuse the file (its reshape no longer matches) with a message."""
    data = make_corpus.int8_k_zero_weight()
    c = refusal(lambda: CProgram(data).method("forward"))
    py = refusal(lambda: runtime_py.load(data).method("forward"))
    assert c is not None and "RESHAPE" in c, c
    assert py is not None and "RESHAPE" in py, py


@pytest.mark.parametrize("maker, message", [
    (make_corpus.zero_huge_dims, "element count (of the non-zero dimensions) exceeds"),
    (make_corpus.conv_huge_groups, "groups 2147483647 inconsistent"),
    (make_corpus.conv_huge_dilation, "spreads the kernel past 2^40"),
    (make_corpus.shared_indices, "tensor indices"),
])
def test_crafted_files_are_refused_by_both_loaders(maker, message):
    """Issue 13.2 and 13.3: both runtimes refuse with an EmberError naming the problem."""
    data = maker()
    c = refusal(lambda: CProgram(data).method("forward"))
    py = refusal(lambda: runtime_py.load(data).method("forward"))
    assert c is not None and py is not None, (c, py)
    assert message in c, c
    assert message in py, py


def _overlap_live_tensors(p):
    """The first op's input and output both at the arena's start (both live at that op)."""
    m = p.methods[0]
    op = m.operators[0]
    m.tensors[op.outputs[0]].offset = m.tensors[op.inputs[0]].offset = 0


def _move_reshape_output(p):
    """A RESHAPE of an arena tensor whose output sits elsewhere (a view cannot)."""
    m = p.methods[0]
    for op in m.operators:
        src, out = m.tensors[op.inputs[0]], m.tensors[op.outputs[0]] if op.outputs is not None else None
        if make_corpus.crafted.opcode_name(op.opcode) == "RESHAPE" and src.storage == 0:
            out.offset = 0 if src.offset != 0 else 16 * (-(-src.nbytes // 16))
            return
    raise AssertionError("no RESHAPE of an arena tensor")


@pytest.mark.parametrize("name, fn, message", [
    ("mlp", _overlap_live_tensors, "share arena bytes"),
    ("cnn", _move_reshape_output, "a reshape is a view"),
])
def test_broken_memory_plans_are_refused_by_both(name, fn, message):
    """Both loaders check the memory plan: tensors live at once never share arena bytes,
    and a reshape of an arena tensor is a view at the same offset (the C runtime runs it
    as one); a fuzzer finding had a kernel overwrite an input it was reading."""
    data = make_corpus.crafted.edit(make_corpus.exported(name)[2], fn)
    c = refusal(lambda: CProgram(data).method("forward"))
    py = refusal(lambda: runtime_py.load(data).method("forward"))
    assert c is not None and message in c, c
    assert py is not None and message in py, py


def test_every_reproducer_is_stored():
    """Each crafted reproducer of make_corpus.py has its file in runtime_c/fuzz/reproducers
    (replayed below under the sanitizers). Not compared byte for byte: the programs record
    their source lines' paths, which differ between checkouts."""
    stored = set(os.listdir(os.path.join(FUZZ, "reproducers")))
    for name in make_corpus.reproducers():
        assert name + ".efz" in stored, f"{name}.efz missing: run runtime_c/fuzz/make_corpus.py"


# ---- the fuzz target ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def fuzz_binaries():
    if shutil.which("clang") is None:
        pytest.fail("clang missing (make setup installs it)")
    r = subprocess.run(["make", "-j2", "--no-print-directory", "-C", os.path.join(ROOT, "runtime_c"),
                        "fuzz-build"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return BINARIES


@pytest.mark.parametrize("build", sorted(BINARIES))
def test_fuzz_target_replays_corpus_and_reproducers(build, fuzz_binaries):
    """Every stored seed and every past reproducer, once, under the sanitizers."""
    dirs = [os.path.join(FUZZ, "corpus"), os.path.join(FUZZ, "reproducers")]
    files = sorted(os.path.join(d, n) for d in dirs for n in os.listdir(d))
    r = subprocess.run([fuzz_binaries[build], *files], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    assert "runtime error" not in r.stderr and "ERROR:" not in r.stderr, r.stderr[-4000:]
    assert r.stderr.count("Executed ") == len(files), r.stderr[-2000:]


def test_short_fuzz_run_then_differential(fuzz_binaries, tmp_path):
    """FUZZ_SECONDS (60) of structure-aware fuzzing under ASan + UBSan: no finding. Then the
    seeds, the reproducers and (up to 400 of) the inputs it generated go through the C and
    the Python runtime: both refuse or both run and agree, or the difference is one that
    differential.py documents as intended; the Python runtime raises nothing but EmberError."""
    work = tmp_path / "corpus"
    work.mkdir()
    r = subprocess.run([fuzz_binaries["asan"], f"-max_total_time={FUZZ_SECONDS}", "-timeout=20",
                        f"-dict={os.path.join(FUZZ, 'ember.dict')}",
                        "-rss_limit_mb=4096", "-max_len=100000", "-print_final_stats=1",
                        f"-artifact_prefix={tmp_path}/", str(work), os.path.join(FUZZ, "corpus")],
                       capture_output=True, text=True, timeout=FUZZ_SECONDS + 600)
    stats = [ln for ln in r.stderr.splitlines() if ln.startswith("stat::number_of_executed_units")]
    print("\n".join(stats))
    assert r.returncode == 0, r.stderr[-4000:]
    assert int(stats[0].split()[-1]) > 1000, stats
    generated = sorted(work.iterdir())
    assert generated, "the fuzzer added nothing to its corpus"
    diff = [sys.executable, "-W", "ignore", os.path.join(FUZZ, "differential.py")]
    seeds = subprocess.run([*diff, os.path.join(FUZZ, "corpus"), os.path.join(FUZZ, "reproducers")],
                           capture_output=True, text=True, timeout=600)
    assert seeds.returncode == 0, seeds.stdout[-4000:] + seeds.stderr[-2000:]
    new = subprocess.run([*diff, "--limit", "400", str(work)], capture_output=True, text=True, timeout=900)
    print(new.stdout[-3000:])
    assert new.returncode == 0, new.stdout[-4000:] + new.stderr[-2000:]     # no MISMATCH, no exception
    summary = new.stdout.strip().splitlines()[-1]
    assert summary.startswith("differential: ") and " agree " in summary, summary


def test_fuzz_input_format_round_trip():
    data = fuzz_input.wrap(b"PROGRAM", picks=[0, 5], threads=3)
    threads, picks, program = fuzz_input.split(data)
    assert (threads, picks[:3], program) == (3, [0, 5, fuzz_input.PICK_MAX], b"PROGRAM")
    assert fuzz_input.pick_value(0, 3, 6) == 3 and fuzz_input.pick_value(5, 3, 6) == 4
    assert fuzz_input.pick_value(fuzz_input.PICK_MAX, 3, 6) == 6
    assert fuzz_input.split(b"EMBRbare")[2] == b"EMBRbare"
