"""`ember profile`: where a program's time goes, operator by operator.

Both runtimes give the same record (`Profile`): the operators with their operands' dtypes
and shapes at the profiled sizes, and per run its start and end and each operator's start
and end (nanoseconds, one clock). The Python runtime records through `Method.run(profile=)`;
the C runtime through its hook (ember.h `ember_method_set_profile`), driven by the
`ember_run --profile-json` tool. `table()` prints medians, shares and achieved rates;
`chrome_trace()` writes the trace-event JSON that Perfetto and chrome://tracing open.

Rates: the GEMM-backed ops count 2 x multiply-accumulates (GFLOP/s): CONV2D
N*O*OH*OW*(C/groups)*KH*KW, CONV_TRANSPOSE2D N*C*H*W*(O/groups)*KH*KW, FULLY_CONNECTED and
BATCH_MATMUL the output's elements times the inner dimension. Every other op is rated by the
bytes of its operands, inputs and outputs (GB/s), but a view (RESHAPE), which moves nothing.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from schema.ops import VIEW_OPS

GEMM_OPS = ("CONV2D", "CONV_TRANSPOSE2D", "FULLY_CONNECTED", "BATCH_MATMUL")
_ITEM = {"float32": 4, "float64": 8, "float16": 2, "int8": 1, "uint8": 1, "int32": 4, "int64": 8, "bool": 1}


class ProfileError(Exception):
    pass


@dataclass
class Profile:
    runtime: str
    threads: int
    operators: list            # dicts: index, op, source, precision, inputs/outputs ([{dtype, shape}] or None)
    runs: list = field(default_factory=list)   # dicts: start, end, ops [[k, start, end], ...]


# ---- recording -------------------------------------------------------------------------
def profile_py(method, arrays, runs: int) -> Profile:
    """`runs` timed runs on the Python runtime after one warm-up run (which also records the
    operands' shapes at these sizes)."""
    shapes = {i: (d["dtype"], list(np.shape(a))) for i, d, a in zip(method.input_indices, method.inputs, arrays)}
    table = method.operator_table

    def seen(k, op, names, outs):
        for i, a in zip(table[k].outputs, outs):
            shapes[i] = (a.dtype.name, list(a.shape))
    method.run(*arrays, trace=seen)
    operators = []
    for info in table:
        def operand(i):
            if i < 0:
                return None
            if i not in shapes:                      # a constant: its planned shape is its shape
                t = method.tensor_info(i)
                shapes[i] = (t["dtype"], t["max_shape"])
            return {"dtype": shapes[i][0], "shape": shapes[i][1]}
        operators.append({"index": info.index, "op": info.op, "source": info.source, "precision": info.precision,
                          "module": info.module,
                          "inputs": [operand(i) for i in info.inputs], "outputs": [operand(i) for i in info.outputs]})
    prof = Profile("py", 1, operators)
    for _ in range(runs):
        records: list = []
        start = time.perf_counter_ns()
        method.run(*arrays, profile=records)
        prof.runs.append({"start": start, "end": time.perf_counter_ns(), "ops": [list(r) for r in records]})
    return prof


def ember_run_path() -> str:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("EMBER_RUN", os.path.join(here, "runtime_c", "build", "ember_run"))


def profile_c(program_path: str, method_name: str, arrays, runs: int, threads: int) -> Profile:
    """`runs` timed runs on the C runtime, through `ember_run --profile-json` (which uses the
    library's profiling hook); `arrays` None: the bundled test case's inputs."""
    tool = ember_run_path()
    if not os.path.isfile(tool):
        raise ProfileError(f"the C runtime's ember_run is not built ({tool}): run `make -C runtime_c`")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "profile.json")
        cmd = [tool, program_path, "--method", method_name, "--profile-json", out, "-n", str(runs),
               "--threads", str(threads), "-o", tmp]
        for j, a in enumerate(arrays or []):
            path = os.path.join(tmp, f"input_{j}.npy")
            np.save(path, np.ascontiguousarray(a))
            cmd += ["-i", path]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not os.path.isfile(out):
            why = (done.stderr or done.stdout).strip().splitlines()
            raise ProfileError(f"ember_run failed: {why[-1] if why else f'exit status {done.returncode}'}")
        with open(out) as f:
            data = json.load(f)
    return Profile("c", int(data.get("threads", threads)), data["operators"], data["runs"])


def describe(prof: Profile, method) -> Profile:
    """The profile with what only the program's debug records say (the C runtime does not
    read them): each operator's module path and precision."""
    for op, info in zip(prof.operators, method.operator_table):
        op.setdefault("module", info.module)
        op.setdefault("precision", info.precision)
    return prof


# ---- figures ---------------------------------------------------------------------------
def _count(shape):
    n = 1
    for d in shape:
        n *= int(d)
    return n


def flops(op) -> int:
    """2 x multiply-accumulates of a GEMM-backed op at its recorded shapes, else 0."""
    name, ins, outs = op["op"], op["inputs"], op["outputs"]
    try:
        if name == "CONV2D":
            w = ins[1]["shape"]
            return 2 * _count(outs[0]["shape"]) * _count(w[1:])
        if name == "CONV_TRANSPOSE2D":
            w = ins[1]["shape"]
            return 2 * _count(ins[0]["shape"]) * _count(w[1:])
        if name in ("FULLY_CONNECTED", "BATCH_MATMUL"):
            return 2 * _count(outs[0]["shape"]) * int(ins[0]["shape"][-1])
    except (IndexError, TypeError, KeyError):
        return 0
    return 0


def traffic(op) -> int:
    """Bytes of the op's operands, inputs and outputs, at their recorded shapes."""
    return sum(_count(t["shape"]) * _ITEM.get(t["dtype"], 4) for t in op["inputs"] + op["outputs"] if t)


def medians(prof: Profile) -> dict:
    """{operator index: median ns over the runs}."""
    per: dict = {}
    for run in prof.runs:
        for k, s, e in run["ops"]:
            per.setdefault(int(k), []).append(int(e) - int(s))
    return {k: statistics.median(v) for k, v in per.items()}


def totals(prof: Profile) -> dict:
    """Median over runs of the run's time and of the sum of its operators' times (ns)."""
    runs = [int(r["end"]) - int(r["start"]) for r in prof.runs]
    ops = [sum(int(e) - int(s) for _, s, e in r["ops"]) for r in prof.runs]
    return {"run": statistics.median(runs) if runs else 0, "ops": statistics.median(ops) if ops else 0}


def _shapes(op):
    def one(t):
        return "-" if t is None else f"{t['dtype']}[{','.join(map(str, t['shape']))}]"
    first = next((t for t in op["inputs"] if t), None)
    return f"{one(first)} -> {one(op['outputs'][0] if op['outputs'] else None)}"


def _where(source):
    """'file.py:12' of a source string 'path/file.py:12: code'."""
    if not source:
        return "-"
    loc = source.split(": ", 1)[0]
    return os.path.basename(loc)


def table(prof: Profile, top: int | None = None) -> str:
    med = medians(prof)
    total_ops = sum(med.values()) or 1
    lines = [f"{'#':>4}  {'op':<17} {'module':<14} {'source':<16} {'shapes':<44} {'median us':>10} {'share':>6} "
             f"{'rate':>13}"]
    order = sorted(prof.operators, key=lambda o: -med.get(o["index"], 0)) if top else prof.operators
    for op in order[:top] if top else order:
        t = med.get(op["index"], 0)
        f, b = flops(op), traffic(op)
        rate = ("view" if op["op"] in VIEW_OPS else f"{f / t:8.2f} GFLOP/s" if f else f"{b / t:8.2f} GB/s") \
            if t > 0 else "-"
        shapes = _shapes(op)
        shapes = shapes if len(shapes) <= 44 else shapes[:41] + "..."
        module = op.get("module") or "-"
        module = module if len(module) <= 14 else "..." + module[-11:]
        lines.append(f"{op['index']:>4}  {op['op'][:17]:<17} {module:<14} {_where(op['source'])[:16]:<16} {shapes:<44} "
                     f"{t / 1e3:10.1f} {100 * t / total_ops:5.1f}% {rate:>13}")
    tot = totals(prof)
    f_all = sum(flops(o) for o in prof.operators)
    ratio = f"{tot['ops'] / tot['run']:.3f}" if tot["run"] else "n/a"
    lines.append(f"{len(prof.operators)} operators, {prof.runtime} runtime, {prof.threads} thread(s), "
                 f"{len(prof.runs)} run(s): operators {tot['ops'] / 1e3:.1f} us, run {tot['run'] / 1e3:.1f} us "
                 f"(operators / run {ratio}); {f_all / 1e9:.3f} GFLOP per run"
                 + (f", {f_all / tot['run']:.2f} GFLOP/s" if tot["run"] and f_all else ""))
    return "\n".join(lines)


def chrome_trace(prof: Profile) -> dict:
    """The runs as Chrome trace events ("X" complete events, microseconds from the first run's
    start): one event per run and one per operator inside it."""
    t0 = int(prof.runs[0]["start"]) if prof.runs else 0
    ops = {o["index"]: o for o in prof.operators}
    events = []
    for r, run in enumerate(prof.runs):
        events.append({"name": f"run {r}", "cat": "run", "ph": "X", "pid": 1, "tid": 1,
                       "ts": (int(run["start"]) - t0) / 1e3, "dur": (int(run["end"]) - int(run["start"])) / 1e3})
        for k, s, e in run["ops"]:
            op = ops.get(int(k), {"op": "?", "source": "", "precision": ""})
            events.append({"name": op["op"], "cat": op.get("precision") or "op", "ph": "X", "pid": 1, "tid": 1,
                           "ts": (int(s) - t0) / 1e3, "dur": (int(e) - int(s)) / 1e3,
                           "args": {"index": int(k), "source": op.get("source", ""), "shapes": _shapes(op)
                                    if "inputs" in op else ""}})
    return {"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"runtime": prof.runtime, "threads": prof.threads}}
