"""make bench: every benchmark model through every runtime, measured in one run on this
machine, each (model, runtime) in a fresh process. Prints a Markdown table and writes
benchmarks/results/latest.{md,json} with the machine and versions.

    .venv/bin/python benchmarks/run.py [--models mlp,ds_cnn] [--seconds 2]

Runtimes: Ember C (float on one and on two threads, static int8),
Ember Python, torch eager (one thread), ONNX Runtime (float with one and with two
threads, static int8 QDQ). ExecuTorch is measured when installed; otherwise a note says
so. Headline: latency relative to ONNX Runtime in the same run (float vs float, int8 vs
int8), since absolute times vary between machines.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from models import MODELS  # noqa: E402

WORK = os.path.join(ROOT, "benchmarks", "build")
RESULTS = os.path.join(ROOT, "benchmarks", "results")


def log(text):
    print(text, file=sys.stderr, flush=True)


def build_c_bench():
    subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "runtime_c"), "all"], check=True)
    out = os.path.join(WORK, "ember_bench")
    c = os.path.join(ROOT, "runtime_c")
    subprocess.run(["cc", "-std=c99", "-O2", "-Wall", f"-I{c}/include", f"-I{c}/examples", "-o", out,
                    os.path.join(ROOT, "benchmarks", "ember_bench.c"), f"{c}/examples/npy.c",
                    f"{c}/examples/ember_pool.c", f"{c}/build/libember.a", "-pthread", "-lm"], check=True)
    return out


def random_like(inputs, seed):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(x.shape, generator=g) if x.is_floating_point()
                 else torch.randint(0, int(x.max()) + 1, x.shape, generator=g) for x in inputs)


def prepare(name, d):
    """Artifacts of one model in directory d: inputs, eager outputs, .ember (float, int8),
    .onnx (float, int8), the pickled torch module. Returns a dict of paths and facts."""
    from exporter import export_module
    os.makedirs(d, exist_ok=True)
    model, inputs = MODELS[name]()
    facts = {"inputs": []}
    for k, x in enumerate(inputs):
        p = os.path.join(d, f"input_{k}.npy")
        np.save(p, x.numpy())
        facts["inputs"].append(p)
    with torch.no_grad():
        y = model(*inputs)
    facts["eager"] = [t.numpy() for t in (y if isinstance(y, (tuple, list)) else [y])]
    facts["output_std"] = float(np.std(facts["eager"][0]))
    facts["torch"] = os.path.join(d, "model.pt")
    torch.save(model, facts["torch"])
    t0 = time.time()
    log(f"  {name}: exporting to Ember (float)")
    facts["ember"] = os.path.join(d, "float.ember")
    with open(facts["ember"], "wb") as f:
        f.write(export_module(model, inputs, bundle_test=False))
    log(f"  {name}: exporting to Ember (static int8, 8 random calibration batches)")
    try:
        data = export_module(model, inputs, bundle_test=False, quantize="int8",
                             calibration=[random_like(inputs, s) for s in range(8)])
        facts["ember-int8"] = os.path.join(d, "int8.ember")
        with open(facts["ember-int8"], "wb") as f:
            f.write(data)
    except Exception as e:   # noqa: BLE001 - reported in the table
        facts["ember-int8-error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    log(f"  {name}: exporting to ONNX")
    facts["onnx"] = os.path.join(d, "float.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(model, inputs, facts["onnx"], dynamo=False, opset_version=17)
        except Exception:     # noqa: BLE001 - TorchScript export fails on some models
            torch.onnx.export(model, inputs, facts["onnx"], dynamo=True, opset_version=18, verbose=False)
    try:
        from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

        class Reader(CalibrationDataReader):
            def __init__(self):
                import onnx
                names = [i.name for i in onnx.load(facts["onnx"]).graph.input]
                self.batches = iter([dict(zip(names, [t.numpy() for t in random_like(inputs, s)]))
                                     for s in range(8)])

            def get_next(self):
                return next(self.batches, None)
        facts["ort-int8"] = os.path.join(d, "int8.onnx")
        quantize_static(facts["onnx"], facts["ort-int8"], Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    except Exception as e:   # noqa: BLE001
        facts.pop("ort-int8", None)
        facts["ort-int8-error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    log(f"  {name}: artifacts ready ({time.time() - t0:.0f} s)")
    return facts


def measure(kind, artifact, facts, seconds, bench, d):
    out = os.path.join(d, f"out_{kind}")
    if kind.startswith("ember-c"):
        os.makedirs(out, exist_ok=True)
        cmd = [bench, artifact, str(seconds), *facts["inputs"], "-o", out,
               "-t", "2" if kind.endswith("-2t") else "1"]
    else:
        runtime = {"ember-py": "ember-py", "torch": "torch", "ort": "ort", "ort-2t": "ort-2t",
                   "ort-int8": "ort"}[kind]
        cmd = [sys.executable, os.path.join(ROOT, "benchmarks", "measure.py"), runtime, artifact, str(seconds),
               out + ".npz", *facts["inputs"]]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1][:160]}
    result = json.loads(r.stdout.strip().splitlines()[-1])
    if kind.startswith("ember-c"):      # load time: map + program load + method init
        result["load_only_ms"] = result["load_ms"]
        result["load_ms"] += result["init_ms"]
        outputs = [np.load(os.path.join(out, f"output_{k}.npy")) for k in range(len(facts["eager"]))]
    else:
        z = np.load(out + ".npz")
        outputs = [z[f"arr_{k}"] for k in range(len(facts["eager"]))]
    got, want = outputs[0].astype(np.float64).ravel(), facts["eager"][0].astype(np.float64).ravel()
    result["max_err"] = float(np.abs(got - want).max())
    result["cosine"] = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want) + 1e-30))
    if os.path.splitext(artifact)[1] in (".ember", ".onnx"):
        result["file_bytes"] = os.path.getsize(artifact)
    if artifact.endswith(".ember"):
        import runtime_py
        m = runtime_py.load(artifact).methods["forward"]
        result["arena_bytes"], result["arena_lower_bound"] = m.arena_size, m.live_bytes_lower_bound
    return result


# (runtime, artifact, the run its "vs ORT" ratio divides by): Ember's two-thread run
# against ORT's two-thread run; its speed-up over one thread is the "2t speed-up" line.
RUNS = [("ember-c", "ember", "ort"), ("ember-c-2t", "ember", "ort-2t"), ("ember-c-int8", "ember-int8", "ort-int8"),
        ("ember-py", "ember", "ort"), ("torch", "torch", "ort"), ("ort", "onnx", "ort"), ("ort-2t", "onnx", "ort"),
        ("ort-int8", "ort-int8", "ort-int8")]


def table(results, machine):
    lines = [f"Machine: {machine['cpu']}, {machine['cores']} cores; {machine['versions']}", "",
             "| model | out std | runtime | median ms | p90 ms | vs ORT | load ms | peak RSS MiB | file KiB | "
             "arena KiB (x lower bound) | max abs err | cosine |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, model in results.items():
        for kind, _, ref in RUNS:
            r = model["runs"].get(kind)
            if r is None:
                continue
            if "error" in r:
                lines.append(f"| {name} | | {kind} | n/a: {r['error']} | | | | | | | | |")
                continue
            base = model["runs"].get(ref, {})
            ratio = f"{r['median_ms'] / base['median_ms']:.2f}x" if base.get("median_ms") else "n/a"
            arena = (f"{r['arena_bytes'] / 1024:,.0f} ({r['arena_bytes'] / max(1, r['arena_lower_bound']):.2f}x)"
                     if "arena_bytes" in r else "")
            lines.append(f"| {name} | {model['output_std']:.3g} | {kind} | {r['median_ms']:.3f} | {r['p90_ms']:.3f} | "
                         f"{ratio} | {r['load_ms']:.2f} | {r['peak_rss_kb'] / 1024:.1f} | "
                         f"{r.get('file_bytes', 0) / 1024:,.0f} | {arena} | {r['max_err']:.2e} | {r['cosine']:.5f} |")
    speedups = [f"{name} {m['runs']['ember-c']['median_ms'] / m['runs']['ember-c-2t']['median_ms']:.2f}x"
                for name, m in results.items()
                if m["runs"].get("ember-c", {}).get("median_ms") and m["runs"].get("ember-c-2t", {}).get("median_ms")]
    if speedups:
        lines += ["", "Ember C, 2 threads over 1 thread: " + ", ".join(speedups) + "."]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated (default: all)")
    ap.add_argument("--seconds", type=float, default=2.0, help="timed seconds per measurement (default 2)")
    args = ap.parse_args()
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise SystemExit(f"unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    bench = build_c_bench()
    import onnx
    try:
        import onnxruntime
        ort_version = onnxruntime.__version__
    except ImportError:
        raise SystemExit("onnxruntime is not installed: run `make bench`, which installs it") from None
    try:
        import executorch  # noqa: F401
        executorch_note = "ExecuTorch: installed but not wired in yet"
    except ImportError:
        executorch_note = "ExecuTorch (XNNPACK): not installed (an optional extra), not measured"
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")),
               platform.processor())
    machine = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
               "versions": f"torch {torch.__version__}, onnxruntime {ort_version}, onnx {onnx.__version__}, "
                           f"numpy {np.__version__}", "note": executorch_note,
               "date": time.strftime("%Y-%m-%d %H:%M")}
    results = {}
    for name in names:
        log(f"[{name}]")
        d = os.path.join(WORK, name)
        facts = prepare(name, d)
        model = {"output_std": facts["output_std"], "runs": {}}
        for kind, artifact, _ in RUNS:
            if artifact not in facts:
                model["runs"][kind] = {"error": facts.get(f"{artifact}-error", "no artifact")}
                continue
            t0 = time.time()
            model["runs"][kind] = measure(kind, facts[artifact], facts, args.seconds, bench, d)
            r = model["runs"][kind]
            log(f"  {kind:13} " + (f"median {r['median_ms']:.3f} ms ({time.time() - t0:.0f} s)" if "median_ms" in r
                                   else r["error"]))
        results[name] = model
    text = table(results, machine) + f"\n\n{executorch_note}.\n"
    print(text)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(text)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump({"machine": machine, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
