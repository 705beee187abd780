"""Per-layer numerics: every operator's output against the eager value it stands for.

The exporter records, per tensor, the eager value it holds (`Tensor.eager`: a torch.fx node
name or an ONNX value name; an int8 tensor holds it quantized) and, per operator, the eager
node and module it was lowered from. `ember validate --per-layer` runs the eager model
keeping every intermediate, runs the program on the Python runtime keeping every operator's
output, pairs them by that record and prints, per operator, the error of its output.

The first operator whose output loses much more precision than its inputs had is marked:
each value's SQNR (signal to quantization noise, dB) is known where an operator's output is
paired, inherited (the lowest of its inputs') where it is not, and taken as FLOOR_DB for
program inputs and constants; an operator whose SQNR is more than `jump_db` below the
lowest SQNR among the values it reads is a jump. QUANTIZE rows are paired too (and never
marked: quantizing is the price of int8), so an int8 program's first layers are judged
against the quantized input, not the float one.
"""
from __future__ import annotations

import math
import os

import numpy as np

from ember.numerics import compare

FLOOR_DB = 120.0        # float32's own precision, about: a value at least this good is exact here
DEFAULT_JUMP_DB = 15.0


class PerLayerError(Exception):
    pass


# ---- the eager side ----------------------------------------------------------------------
def eager_torch(module, arrays) -> dict:
    """{fx node name: numpy value} of every intermediate of the captured `module`'s graph (a
    node returning a tuple gives `name[i]` entries too)."""
    import torch
    values: dict = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            result = super().run_node(n)
            if isinstance(result, torch.Tensor):
                values[n.name] = result.detach().numpy()
            elif isinstance(result, (tuple, list)):
                for i, r in enumerate(result):
                    if isinstance(r, torch.Tensor):
                        values[f"{n.name}[{i}]"] = r.detach().numpy()
            return result

    with torch.no_grad():
        Recorder(module).run(*[torch.from_numpy(np.ascontiguousarray(a)) for a in arrays])
    return values


def eager_onnx(path, arrays) -> dict:
    """{value name: numpy value} of every intermediate of onnx's reference evaluator."""
    import onnx
    from onnx.reference import ReferenceEvaluator

    import exporter.frontends.onnx.reference_fixes  # noqa: F401  (the evaluator bugs the importer patches)
    model = onnx.load(path)
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    results = ReferenceEvaluator(model).run(None, dict(zip(names, arrays)), intermediate=True)
    return {k: np.asarray(v) for k, v in results.items() if isinstance(v, np.ndarray) or np.isscalar(v)}


# ---- the program side ----------------------------------------------------------------------
def program_outputs(method, arrays) -> dict:
    """{operator index: [copies of its outputs]} of one run on the Python runtime."""
    outs: dict = {}
    method.run(*arrays, trace=lambda k, op, names, got: outs.__setitem__(k, [np.array(a) for a in got]))
    return outs


def _real(a, quant):
    """An int8 output as the values it stands for (per-tensor quantization)."""
    if quant is None or a.dtype != np.int8:
        return a
    scales, zeros, axis = quant
    if axis != -1:
        return a
    return (a.astype(np.float64) - (zeros[0] if zeros else 0)) * scales[0]


# ---- the table ------------------------------------------------------------------------------
def rows(method, eager: dict, outs: dict, jump_db: float = DEFAULT_JUMP_DB) -> list:
    """One dict per operator: index, op, precision, node, module, source, shape, and, where its
    output pairs with an eager value: eager, max_abs, cosine, sqnr, drop (dB below its inputs),
    jump (True at the first jump only)."""
    table, sqnr_of, jumped = [], {}, False

    def known(i):
        return sqnr_of.get(i, FLOOR_DB) if i >= 0 else FLOOR_DB

    for info in method.operator_table:
        out = info.outputs[0]
        t = method.tensor_info(out)
        row = {"index": info.index, "op": info.op, "precision": info.precision, "node": info.node,
               "module": info.module, "source": info.source, "shape": list(t["max_shape"]), "eager": t["eager"]}
        got = outs.get(info.index, [None])[0]
        reads = min((known(i) for i in info.inputs if i >= 0), default=FLOOR_DB)
        # a state update's output is the state itself, named after the update that made it:
        # another update of the same state has no eager value of its own
        same = t["storage"] != "state" or info.node == t["eager"]
        want = eager.get(t["eager"]) if t["eager"] and same else None
        if got is not None:
            row["shape"] = list(got.shape)
        if got is None or want is None or tuple(np.shape(want)) != tuple(got.shape):
            row["problem"] = ("no eager value" if want is None else
                              f"eager shape {list(np.shape(want))}" if got is not None else "not run")
            for i in info.outputs:
                sqnr_of[i] = reads
            table.append(row)
            continue
        r = compare(np.asarray(want), _real(got, t["quant"]), 0.0, 0.0)
        sqnr = min(r["sqnr"], FLOOR_DB) if not math.isnan(r["sqnr"]) else -math.inf
        row.update(max_abs=r["max_abs"], cosine=r["cosine"], sqnr=r["sqnr"], drop=max(0.0, reads - sqnr))
        if not jumped and row["drop"] > jump_db and info.precision != "convert":
            row["jump"] = jumped = True
        for i in info.outputs:
            sqnr_of[i] = sqnr
        table.append(row)
    return table


def first_jump(table):
    return next((r for r in table if r.get("jump")), None)


def worst(table):
    """The paired row that loses the most precision (largest drop), or None."""
    paired = [r for r in table if "drop" in r and r["op"] not in ("QUANTIZE", "DEQUANTIZE")]
    return max(paired, key=lambda r: r["drop"]) if paired else None


def _cut(text, n):
    return text if len(text) <= n else text[:n - 3] + "..."


def render(table, jump_db: float = DEFAULT_JUMP_DB) -> str:
    head = (f"{'#':>4}  {'op':<17} {'precision':<9} {'node':<24} {'module':<20} {'shape':<18} "
            f"{'max abs err':>11} {'cosine':>10} {'SQNR dB':>8} {'drop':>6}")
    lines = [head]
    for r in table:
        left = (f"{r['index']:>4}  {_cut(r['op'], 17):<17} {_cut(r['precision'], 9):<9} "
                f"{_cut(r['eager'] or r['node'] or '-', 24):<24} {_cut(r['module'] or '-', 20):<20} "
                f"{_cut(str(r['shape']), 18):<18}")
        if "problem" in r:
            lines.append(f"{left} {'':>11} {'':>10} {'':>8} {'':>6}  ({r['problem']})")
            continue
        mark = "  <- first jump" if r.get("jump") else ""
        lines.append(f"{left} {r['max_abs']:11.3e} {r['cosine']:10.6f} {r['sqnr']:8.1f} {r['drop']:6.1f}{mark}")
    paired = sum("drop" in r for r in table)
    lines.append(f"{paired} of {len(table)} operators paired with an eager value")
    j = first_jump(table)
    if j is not None:
        where = ", ".join(x for x in (f"node {j['eager'] or j['node']}" if (j['eager'] or j['node']) else "",
                                      f"module {j['module']}" if j["module"] else "",
                                      os.path.basename(j["source"].split(": ")[0]) if j["source"] else "") if x)
        lines.append(f"first jump: operator {j['index']} ({j['op']}{', ' + where if where else ''}) loses "
                     f"{j['drop']:.1f} dB (more than {jump_db:g} dB below its inputs)")
    else:
        lines.append(f"no jump: no operator loses more than {jump_db:g} dB against its inputs")
    w = worst(table)
    if w is not None and "int8" in w["precision"]:
        name = w["module"] or w["eager"] or w["node"]
        lines.append(f"largest loss: operator {w['index']} ({w['op']}) {w['drop']:.1f} dB; to keep it in float: "
                     f"ember export --quantize int8 --keep-float {name} ...")
    return "\n".join(lines)
