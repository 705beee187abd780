"""The C runtime on its own terms: strict builds (gcc, clang, aarch64, armhf,
sanitizers), the native test binary on every zoo program (bundled test cases, zero
allocator calls, threads), under qemu, hostile files, the example app, selective builds.

The C-vs-Python agreement on every zoo model and op is checked in test_zoo.py and
tests/ops (helpers.check_module runs both runtimes)."""
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
import torch
import torch.nn as nn

import runtime_py
from exporter import export_module
from runtime_py.c_backend import CProgram
from zoo_models import ZOO, exported, exported_int8

# Every float zoo program, static int8 programs of a CNN, a depthwise CNN and a
# transformer (int8 matmuls and softmax between float layer norms), and a decoder with
# int8-dynamic linear layers.
ZOO_PROGRAMS = sorted(ZOO) + ["cnn_int8", "mobilenet_v2_int8", "transformer_encoder_int8", "gpt_block_dynamic"]



class KVState(nn.Module):
    """A program with state (schema 2.4): a cache updated in place at run-time positions
    (INDEX_COPY) with an initial value, and a counter stored at the method's end."""
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.lin = nn.Linear(4, 4)
        self.register_buffer("k", torch.arange(64, dtype=torch.float32).reshape(2, 8, 4) / 64)
        self.register_buffer("steps", torch.zeros(3))

    def forward(self, x, pos):
        self.k.index_copy_(1, pos, self.lin(x))
        self.steps.add_(1)
        return self.k.sum(1) * self.steps[0], self.steps + 0


# Programs with state, run by the native binary beside the zoo (each case from the initial state).
STATE_PROGRAMS = {"state_kv1": (KVState, 1), "state_kv3": (KVState, 3)}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME_C = os.path.join(ROOT, "runtime_c")
# arch -> (compiler, qemu, sysroot, extra make arguments, extra qemu arguments, build dir)
CROSS = {"aarch64": ("aarch64-linux-gnu-gcc", "qemu-aarch64", "/usr/aarch64-linux-gnu", (), (),
                     "aarch64-linux-gnu-gcc"),
         # an Armv8.2 core with the dot-product instructions: the int8 GEMM runs on sdot
         "aarch64-dotprod": ("aarch64-linux-gnu-gcc", "qemu-aarch64", "/usr/aarch64-linux-gnu",
                             ("ARCH_FLAGS=-march=armv8.2-a+dotprod", "BUILD=build/aarch64-dotprod"),
                             ("-cpu", "max"), "aarch64-dotprod"),
         "armhf": ("arm-linux-gnueabihf-gcc", "qemu-arm", "/usr/arm-linux-gnueabihf", (), (),
                   "arm-linux-gnueabihf-gcc")}


def make(*args, timeout=600):
    r = subprocess.run(["make", "-j2", "--no-print-directory", "-C", RUNTIME_C, *args],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"make {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def build_dir(*parts):
    return os.path.join(RUNTIME_C, "build", *parts)


def run(cmd, timeout=600):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def zoo_files(tmp_path_factory):
    """Every zoo program written to a file, with its FlatBuffer size (segment offset)."""
    d = tmp_path_factory.mktemp("zoo")
    files = {}
    for name in ZOO_PROGRAMS:
        if name.endswith("_int8"):
            data = exported_int8(name[:-5])[2]
        elif name.endswith("_dynamic"):
            model, inputs, _ = exported(name[:-8])
            data = export_module(model, inputs, quantize="int8-dynamic")
        else:
            data = exported(name)[2]
        path = d / f"{name}.ember"
        path.write_bytes(data)
        files[name] = (str(path), runtime_py.load(data).segment_offset)
    for name, (factory, n) in STATE_PROGRAMS.items():
        data = export_module(factory().eval(), (torch.randn(2, n, 4), torch.arange(n) + 2))
        path = d / f"{name}.ember"
        path.write_bytes(data)
        files[name] = (str(path), runtime_py.load(data).segment_offset)
    return files


# ---- builds ------------------------------------------------------------------------
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_strict_build_is_warning_free(compiler):
    """-std=c99 -Wall -Wextra -Werror -pedantic -Wshadow -Wstrict-prototypes -Wvla
    -Wdouble-promotion -Wundef (the Makefile's flags) with both compilers."""
    assert shutil.which(compiler), f"{compiler} not installed (make setup installs it)"
    make(f"CC={compiler}", f"BUILD=build/{compiler}", "all", "tests")
    for f in ("libember.a", "libember.so", "ember_run", "native_test"):
        assert os.path.isfile(build_dir(compiler, f))


def test_library_uses_no_heap_no_mutable_globals_no_abort():
    make("lib")
    lib = build_dir("libember.a")
    undefined = run(["nm", "-u", lib]).stdout.split()
    forbidden = {"malloc", "calloc", "realloc", "free", "aligned_alloc", "posix_memalign", "abort",
                 "exit", "__assert_fail", "printf", "fprintf", "puts", "pthread_create"}
    assert not forbidden & set(undefined), sorted(forbidden & set(undefined))
    # no object in writable data: .data / .bss (tables of pointers sit in .data.rel.ro,
    # read-only after relocation)
    table = run(["objdump", "-t", lib]).stdout.splitlines()
    writable = [ln for ln in table if re.search(r"\s\.(data|bss)(\.\S+)?\s", ln)
                and ".data.rel.ro" not in ln and ln.split()[-1] not in (".data", ".bss")]
    assert not writable, writable


# ---- native test binary -----------------------------------------------------------
def check_native_output(out, names):
    summaries = [ln for ln in out.splitlines() if "allocator calls" in ln]
    for name in names:
        line = [ln for ln in summaries if f"/{name}.ember:" in ln]
        assert len(line) == 1 and line[0].startswith("PASS "), out[-3000:]
        assert "; 0 allocator calls in load+init+run" in line[0]
        # the profile hook (native_test.c profile_check): every operator recorded in order,
        # exact clock reads, short buffers, unset left alone, bad arguments refused, no heap
        profiled = [ln for ln in out.splitlines() if ln.startswith(("PASS profile /", "FAIL profile /"))
                    and f"/{name}.ember:" in ln]
        assert len(profiled) == 1 and profiled[0].startswith("PASS "), out[-3000:]
        assert profiled[0].endswith(", heap untouched")
        if name in STATE_PROGRAMS:   # a run with no state bound refused; the block bound, no heap
            state = [ln for ln in out.splitlines() if ln.startswith("PASS state /") and f"/{name}.ember:" in ln]
            assert len(state) == 1 and "a run without it refused" in state[0], out[-3000:]
    assert f"PASS profile: {len(names)} programs profiled" in out
    assert "PASS threads:" in out
    # every program's kernels split over 2 and 3 threads: bit-identical to 1 thread
    assert "PASS thread counts:" in out and "FAIL thread count" not in out
    assert out.rstrip().endswith("native test: all passed")


def test_native_binary_runs_every_zoo_program(zoo_files):
    make("all", "tests")
    r = run([build_dir("native_test"), *[p for p, _ in zoo_files.values()]])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    check_native_output(r.stdout, zoo_files)
    # one summary line per program, each with its error figure
    assert sum(ln.startswith("PASS /") and "test case(s), 0 failed" in ln
               for ln in r.stdout.splitlines()) == len(zoo_files)


def test_native_binary_under_sanitizers(zoo_files):
    make("SANITIZE=1", "tests")
    r = run([build_dir("san", "native_test"), *[p for p, _ in zoo_files.values()]])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "ERROR: AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr
    check_native_output(r.stdout, zoo_files)


@pytest.mark.parametrize("arch", sorted(CROSS))
def test_native_binary_cross_compiled_under_qemu(arch, zoo_files):
    cc, qemu, sysroot, make_args, qemu_args, build = CROSS[arch]
    assert shutil.which(cc) and shutil.which(qemu), f"{cc} / {qemu} missing (make setup installs them)"
    make(f"CC={cc}", *make_args, "all", "tests")
    binary = build_dir(build, "native_test")
    r = run([qemu, *qemu_args, "-L", sysroot, binary, *[p for p, _ in zoo_files.values()]], timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    check_native_output(r.stdout, zoo_files)


def test_native_binary_under_integer_sanitizer(zoo_files):
    """clang's -fsanitize=integer (signed and unsigned overflow, lossy conversions, shifts,
    division by zero; make SANITIZE=integer): every zoo program, its bundled test cases,
    threads, with no report (the int8 GEMM's intended modulo-2^32 sums are marked)."""
    make("SANITIZE=integer", "tests")
    r = run([build_dir("int", "native_test"), *[p for p, _ in zoo_files.values()]])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert "runtime error" not in r.stderr, r.stderr[-4000:]
    check_native_output(r.stdout, zoo_files)


# ---- SIMD micro-kernels against the scalar ones ---------------------------------------
@pytest.mark.parametrize("target", ["native", "aarch64", "aarch64-dotprod"])
def test_gemm_kernels_match_scalar_reference(target):
    """runtime_c/tests/kernel_test.c: every SIMD GEMM micro-kernel this build selects
    (AVX2+FMA natively on a host that has it, NEON for aarch64 under qemu, and its int8
    sdot path for an Armv8.2+dotprod target) against the portable scalar one on
    tile-boundary shapes; int8 exact, float within gemm.h's bound."""
    if target == "native":
        make("tests")
        cmd = [build_dir("kernel_test")]
        with open("/proc/cpuinfo") as f:
            flags = f.read().split()
        expected = "avx2-fma" if "avx2" in flags and "fma" in flags else "scalar"
        if expected == "avx2-fma" and "avx512_vnni" in flags and "avx512vl" in flags:
            expected = "avx2-fma-vnni"
    else:
        cc, qemu, sysroot, make_args, qemu_args, build = CROSS[target]
        assert shutil.which(cc) and shutil.which(qemu), f"{cc} / {qemu} missing (make setup installs them)"
        make(f"CC={cc}", *make_args, "tests")
        cmd = [qemu, *qemu_args, "-L", sysroot, build_dir(build, "kernel_test")]
        expected = "neon-dotprod" if target == "aarch64-dotprod" else "neon"
    r = run(cmd, timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    summary = r.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"PASS kernel test ({expected}): "), summary
    assert summary.endswith(", 0 failed"), summary


# ---- hostile files -----------------------------------------------------------------
@pytest.mark.parametrize("name", ZOO_PROGRAMS)
def test_hostile_files_are_rejected_or_run(name, zoo_files):
    """Truncation at many lengths, random flips, and every word and byte of the
    FlatBuffer set to hostile values: each mutant is rejected with a message or runs,
    under ASan + UBSan, within the time limit (no hang)."""
    make("SANITIZE=1", "tests")
    path, fb_bytes = zoo_files[name]
    check_hostile(run([build_dir("san", "hostile"), path, str(fb_bytes), "7"], timeout=300))


@pytest.mark.parametrize("name", ZOO_PROGRAMS)
def test_hostile_files_under_integer_sanitizer(name, zoo_files):
    """The same mutants with clang's integer sanitizer (make SANITIZE=integer): no signed
    overflow, lossy conversion or bad shift anywhere in load, init or run."""
    make("SANITIZE=integer", "tests")
    path, fb_bytes = zoo_files[name]
    check_hostile(run([build_dir("int", "hostile"), path, str(fb_bytes), "7"], timeout=300))


def check_hostile(r):
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    m = re.search(r"(\d+) mutants: rejected at load (\d+), init (\d+), input (\d+), run (\d+); "
                  r"ran (\d+); prepared (\d+); silent (\d+)", r.stdout)
    assert m, r.stdout
    mutants, load, init, bad_input, failed_run, ran, prepared, silent = map(int, m.groups())
    assert mutants > 1000 and silent == 0
    assert load + init + bad_input + failed_run + ran + prepared == mutants
    assert load > 0 and ran > 0          # both outcomes really happen


# ---- the example app ---------------------------------------------------------------
def test_example_app_reads_npy_writes_npy(tmp_path, zoo_files):
    make("all")
    path, _ = zoo_files["cnn"]
    program = runtime_py.load(path)
    (x,), (want,), _, _ = program.method().test_cases()[0]
    x = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    r = run([build_dir("ember_run"), path, "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path), "-n", "3"])
    assert r.returncode == 0, r.stderr
    assert "method 'forward' needs" in r.stdout and "median" in r.stdout
    got = np.load(tmp_path / "output_0.npy")
    np.testing.assert_allclose(got, program.run("forward", x)[0], atol=1e-5, rtol=1e-5)
    # --threads 3: the kernels split over three threads (examples/ember_pool.c), same bits
    threaded = tmp_path / "threaded"
    threaded.mkdir()
    r = run([build_dir("ember_run"), path, "-i", str(tmp_path / "x.npy"), "-o", str(threaded), "--threads", "3"])
    assert r.returncode == 0, r.stderr
    assert "scratch for 3 threads" in r.stdout
    np.testing.assert_array_equal(np.load(threaded / "output_0.npy"), got)
    r = run([build_dir("ember_run"), path, "-i", str(tmp_path / "x.npy"), "--threads", "0"])
    assert r.returncode == 2 and "--threads 0: must be 1 .. 64" in r.stderr


def test_example_app_self_test(zoo_files):
    make("all")
    r = run([build_dir("ember_run"), "--self-test", *[p for p, _ in zoo_files.values()]])
    assert r.returncode == 0, r.stdout[-3000:]
    assert r.stdout.count("PASS ") >= len(ZOO) and "FAIL" not in r.stdout
    assert r.stdout.rstrip().endswith("self-test: all passed")


def test_example_app_runs_a_program_with_state(tmp_path, zoo_files):
    """ember_run allocates the state block, initialises and binds it; runs carry the state
    from one to the next, as the numpy runtime's do."""
    make("all")
    path, _ = zoo_files["state_kv1"]
    x = np.ones((2, 1, 4), np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "pos.npy", np.array([5]))
    r = run([build_dir("ember_run"), path, "-i", str(tmp_path / "x.npy"), "-i", str(tmp_path / "pos.npy"),
             "-o", str(tmp_path), "-n", "3"])
    assert r.returncode == 0, r.stderr
    assert "state: 272 bytes, set to the initial values" in r.stdout
    program = runtime_py.load(path)
    for _ in range(3):
        want = program.run("forward", x, np.array([5]))
    for j, w in enumerate(want):
        np.testing.assert_allclose(np.load(tmp_path / f"output_{j}.npy"), w, rtol=1e-5, atol=1e-5)
    np.save(tmp_path / "pos.npy", np.array([8]))
    r = run([build_dir("ember_run"), path, "-i", str(tmp_path / "x.npy"), "-i", str(tmp_path / "pos.npy")])
    assert r.returncode == 1 and "position 8 outside [0, 8)" in r.stderr, r.stderr


def test_example_app_reports_bad_input(tmp_path, zoo_files):
    make("all")
    path, _ = zoo_files["mlp"]
    np.save(tmp_path / "bad.npy", np.zeros((3, 3), np.float32))
    r = run([build_dir("ember_run"), path, "-i", str(tmp_path / "bad.npy")])
    assert r.returncode == 1 and "input 0" in r.stderr, r.stderr
    (tmp_path / "junk.ember").write_bytes(b"\0" * 100)
    r = run([build_dir("ember_run"), str(tmp_path / "junk.ember")])
    assert r.returncode == 1 and "not an Ember program" in r.stderr, r.stderr


# ---- selective builds and the binding's errors ---------------------------------------
def test_op_missing_from_build_is_reported_at_load(zoo_files):
    make("BUILD=build/only-fc", "OPS=fully_connected reshape relu", "lib")
    path, _ = zoo_files["cnn"]
    with pytest.raises(runtime_py.VerifyError, match=r"op CONV2D is not in this build"):
        CProgram(path, library_path=build_dir("only-fc", "libember.so"))


def test_c_binding_input_errors(zoo_files):
    path, _ = zoo_files["mlp"]
    program = runtime_py.load(path, backend="c")
    reference = runtime_py.load(path).method()
    (x,), _, _, _ = reference.test_cases()[0]
    name = reference.inputs[0]["name"]
    with pytest.raises(runtime_py.InputError, match=rf"input 0 \('{name}'\): dimension 1 is 3, expected"):
        program.run("forward", np.zeros((x.shape[0], 3), np.float32))
    with pytest.raises(runtime_py.InputError, match="dtype"):
        program.run("forward", x.astype(np.int32))
    with pytest.raises(runtime_py.InputError, match="takes 1 input"):
        program.run("forward")
    out_copy = program.run("forward", x)[0]
    out_bound = program.run("forward", x, bind=True)[0]
    np.testing.assert_array_equal(out_copy, out_bound)


def test_c_binding_rejects_bad_files(tmp_path):
    with pytest.raises(runtime_py.FormatError, match="not an Ember program"):
        runtime_py.load(b"\0" * 64, backend="c")
    with pytest.raises(runtime_py.FormatError, match="no such file"):
        runtime_py.load(str(tmp_path / "missing.ember"), backend="c")
