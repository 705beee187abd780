"""`make demo`: train the digits CNN, export it, inspect it, run it on the Python and
the C runtime, compare held-out accuracy with eager PyTorch, and validate; then the
same in static int8 (calibrated on training images): accuracy and file size; then the
inspection tools on the int8 program (per-layer errors, a profile, the HTML picture)."""
import os
import shlex
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import digits  # noqa: E402

EMBER = [sys.executable, "-m", "ember.cli"]
PROGRAM = os.path.join("demo", "out", "digits.ember")
PROGRAM_INT8 = os.path.join("demo", "out", "digits_int8.ember")


def sh(*args):
    print(f"\n$ ember {' '.join(shlex.quote(str(a)) for a in args)}", flush=True)
    result = subprocess.run(EMBER + [str(a) for a in args], cwd=ROOT)
    return result.returncode


def main():
    print("== 1. train a CNN on scikit-learn's 8x8 digits (1437 train / 360 held out)")
    t0 = time.perf_counter()
    digits.train()
    print(f"  trained in {time.perf_counter() - t0:.1f}s")

    print("\n== 2. export it (batch size dynamic up to 512)")
    if sh("export", "demo/digits.py:trained", "-o", PROGRAM, "--batch-max", "512") != 0:
        return 1
    sh("inspect", PROGRAM)

    print("\n== 3. held-out accuracy: eager PyTorch vs the Ember Python and C runtimes")
    import runtime_py
    data = np.load(digits.TEST_SET)
    x, labels = data["x"], data["labels"]
    model, _ = digits.trained()
    with torch.no_grad():
        eager_logits = model(torch.from_numpy(x)).numpy()
    program = runtime_py.load(os.path.join(ROOT, PROGRAM))
    t0 = time.perf_counter()
    (ember_logits,) = program.run("forward", x)
    dt = time.perf_counter() - t0
    c_program = runtime_py.load(os.path.join(ROOT, PROGRAM), backend="c")
    t0 = time.perf_counter()
    (c_logits,) = c_program.run("forward", x)
    c_dt = time.perf_counter() - t0
    eager_acc = float((eager_logits.argmax(1) == labels).mean())
    ember_acc = float((ember_logits.argmax(1) == labels).mean())
    c_acc = float((c_logits.argmax(1) == labels).mean())
    agree = float(((eager_logits.argmax(1) == ember_logits.argmax(1)) &
                   (eager_logits.argmax(1) == c_logits.argmax(1))).mean())
    print(f"  eager PyTorch        accuracy {eager_acc:.2%}")
    print(f"  Ember Python runtime accuracy {ember_acc:.2%}   ({len(x)} images in one call, {dt * 1000:.1f} ms)")
    print(f"  Ember C runtime      accuracy {c_acc:.2%}   ({len(x)} images in one call, {c_dt * 1000:.1f} ms)")
    print(f"  all three predict the same class for {agree:.2%} of images")

    print("\n== 4. the C runtime's example app on the bundled test case (memory it needs, timing)")
    app = os.path.join(ROOT, "runtime_c", "build", "ember_run")
    print(f"\n$ runtime_c/build/ember_run {PROGRAM} -n 20", flush=True)
    if subprocess.run([app, PROGRAM, "-n", "20"], cwd=ROOT).returncode != 0:
        return 1

    print("\n== 5. validate on the whole held-out set: eager vs Python vs C")
    rc = sh("validate", "demo/digits.py:trained", PROGRAM, "--input", digits.TEST_SET)
    if rc != 0 or ember_acc != eager_acc or c_acc != eager_acc:
        print("\ndemo FAILED", file=sys.stderr)
        return 1

    print("\n== 6. static int8: calibrate on 256 training images, export, compare")
    calibration = os.path.relpath(digits.CALIBRATION, ROOT)
    if sh("export", "demo/digits.py:trained", "-o", PROGRAM_INT8, "--batch-max", "512",
          "--quantize", "int8", "--calibration", calibration) != 0:
        return 1
    sh("inspect", PROGRAM_INT8)
    q_py = runtime_py.load(os.path.join(ROOT, PROGRAM_INT8)).run("forward", x)[0]
    q_c = runtime_py.load(os.path.join(ROOT, PROGRAM_INT8), backend="c").run("forward", x)[0]
    q_acc = float((q_py.argmax(1) == labels).mean())
    sizes = [os.path.getsize(os.path.join(ROOT, p)) for p in (PROGRAM, PROGRAM_INT8)]
    print(f"  float32: accuracy {ember_acc:.2%}, file {sizes[0]:,} bytes")
    print(f"  int8:    accuracy {q_acc:.2%}, file {sizes[1]:,} bytes ({sizes[1] / sizes[0]:.2f}x), "
          f"Python and C outputs {'bit-identical' if np.array_equal(q_py, q_c) else 'DIFFERENT'}")
    rc = sh("validate", "demo/digits.py:trained", PROGRAM_INT8, "--input", digits.TEST_SET)
    if rc != 0 or not np.array_equal(q_py, q_c) or eager_acc - q_acc > 0.01:
        print("\ndemo FAILED (int8)", file=sys.stderr)
        return 1

    print("\n== 7. see inside: the int8 program layer by layer, where the time goes, a picture")
    html = os.path.join("demo", "out", "digits_int8.html")
    if (sh("validate", "--per-layer", "demo/digits.py:trained", PROGRAM_INT8) != 0
            or sh("profile", PROGRAM_INT8, "--runtime", "c") != 0
            or sh("inspect", "--html", html, PROGRAM_INT8) != 0):
        print("\ndemo FAILED (inspection tools)", file=sys.stderr)
        return 1
    print(f"  open {html} in a browser: the operator graph and the memory plan")
    print("\ndemo ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
