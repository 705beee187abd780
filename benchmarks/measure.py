"""One measurement in a fresh process, for benchmarks/run.py: load a model in one runtime,
run it for at least SECONDS after two warm-up runs, print one JSON line (load_ms,
median_ms, p90_ms, runs, peak_rss_kb) and save the last outputs to OUT.npz.

    python benchmarks/measure.py RUNTIME ARTIFACT SECONDS OUT.npz in0.npy [in1.npy ...]

RUNTIME: ember-py (an .ember file), torch (a torch.save'd module), ort / ort-2t (an
.onnx file; one or two intra-op threads). torch runs on one thread.
"""
import json
import sys
import time

import numpy as np


def main():
    runtime, artifact, seconds, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    inputs = [np.load(p) for p in sys.argv[5:]]
    # imports first: load time is reading the model and preparing to run it
    if runtime == "ember-py":
        import runtime_py
    elif runtime == "torch":
        import torch
        torch.set_num_threads(1)
    elif runtime in ("ort", "ort-2t"):
        import onnxruntime as ort
    else:
        raise SystemExit(f"unknown runtime {runtime}")
    t0 = time.perf_counter()
    if runtime == "ember-py":
        program = runtime_py.load(artifact)
        run = lambda: program.run("forward", *inputs)  # noqa: E731
    elif runtime == "torch":
        model = torch.load(artifact, weights_only=False)
        tensors = [torch.from_numpy(x) for x in inputs]

        def run():
            with torch.no_grad():
                y = model(*tensors)
            return [t.numpy() for t in (y if isinstance(y, (tuple, list)) else [y])]
    else:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2 if runtime == "ort-2t" else 1
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(artifact, opts, providers=["CPUExecutionProvider"])
        feeds = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
        run = lambda: session.run(None, feeds)  # noqa: E731
    load_ms = (time.perf_counter() - t0) * 1e3
    outputs = run()
    run()
    times, start = [], time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < seconds:
        a = time.perf_counter()
        outputs = run()
        times.append((time.perf_counter() - a) * 1e3)
    times.sort()
    np.savez(out, *[np.asarray(o) for o in outputs])
    print(json.dumps({"load_ms": load_ms, "median_ms": times[len(times) // 2],
                      "p90_ms": times[min(len(times) - 1, len(times) * 9 // 10)], "runs": len(times),
                      "peak_rss_kb": peak_rss_kb()}))


def peak_rss_kb():
    """VmHWM of this process image (ru_maxrss would carry the parent's peak across exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


if __name__ == "__main__":
    main()
