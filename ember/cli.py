"""The `ember` command: export, inspect, run, validate, profile, generate.

Every failure a user can cause prints one line `ember: error: ...` and exits 2;
`validate` exits 1 when an output exceeds its tolerance.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import warnings

import numpy as np

from ember import __version__
from ember.numerics import compare


class CliError(Exception):
    pass


# ---- inputs -----------------------------------------------------------------
def load_inputs(paths, method):
    """Arrays for a method from .npy files (in order) or one .npz (by name, else in order)."""
    if not paths:
        return None
    arrays = []
    for path in paths:
        if not os.path.isfile(path):
            raise CliError(f"input file '{path}' not found")
        try:
            data = np.load(path, allow_pickle=False)
        except Exception as e:
            raise CliError(f"'{path}' is not a .npy/.npz file: {e}") from None
        if isinstance(data, np.lib.npyio.NpzFile):
            names = [d["name"] for d in method.inputs]
            keys = list(data.keys())
            if all(n in keys for n in names):
                arrays += [data[n] for n in names]
            else:
                arrays += [data[k] for k in keys]
        else:
            arrays.append(data)
    return arrays


def _summary(a: np.ndarray) -> str:
    if a.size == 0:
        return f"{a.dtype}{list(a.shape)} (empty)"
    if a.dtype == np.bool_:
        return f"{a.dtype}{list(a.shape)} true={int(a.sum())}"
    f = a.astype(np.float64)
    flat = ", ".join(f"{v:.6g}" for v in a.reshape(-1)[:6])
    return (f"{a.dtype}{list(a.shape)} min={f.min():.6g} max={f.max():.6g} mean={f.mean():.6g} "
            f"[{flat}{', ...' if a.size > 6 else ''}]")


def _fmt_bytes(n: int) -> str:
    if n < 10 * 1024:
        return f"{n:,} B"
    if n < 10 * 1024 * 1024:
        return f"{n:,} B ({n / 1024:.1f} KiB)"
    return f"{n:,} B ({n / 1024 / 1024:.1f} MiB)"


# ---- commands ---------------------------------------------------------------
def _exporter_packages(command):
    """`ember export` and `ember validate` need torch and onnx, which a runtime-only install
    (pip install 'ember[runtime]') leaves out: say so in one line."""
    import importlib
    for name in ("torch", "onnx"):
        try:
            importlib.import_module(name)
        except ImportError:
            raise CliError(f"'ember {command}' needs the exporter's packages and {name} is not installed: "
                           f"pip install 'ember[export]' (ember run and ember inspect need only the "
                           f"runtime)") from None


def cmd_export(args):
    _exporter_packages("export")
    from exporter import DynamicDim, export_spec
    dynamic = []
    if args.batch_max:
        dynamic.append(DynamicDim("batch", 0, args.batch_max))
    if args.seq_max:
        dynamic.append(DynamicDim("seq", 1, args.seq_max))
    out = args.output or os.path.splitext(os.path.basename(args.model.split(":")[0]))[0] + ".ember"
    dims = {}
    for text in args.dim or []:
        m = re.fullmatch(r"\s*([^=\s]+)\s*=\s*(?:(\d+)\s*\.\.\s*)?(\d+)\s*", text)
        if not m:
            raise CliError(f"--dim {text!r}: expected NAME=MAX or NAME=MIN..MAX (e.g. batch=8, seq=1..128)")
        lo, hi = int(m.group(2) or 1), int(m.group(3))
        if not 1 <= lo <= hi:
            raise CliError(f"--dim {text!r}: need 1 <= MIN <= MAX")
        dims[m.group(1)] = (lo, hi)
    data = export_spec(args.model, method=args.method, dynamic=dynamic,
                       bundle_test=not args.no_test_case, verbose=not args.quiet,
                       quantize=args.quantize, calibration=args.calibration, observer=args.observer,
                       dims=dims, keep_float=args.keep_float or (), strip_debug=args.strip_debug)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)
    print(f"wrote {out} ({len(data):,} bytes)")


def inspect_text(path) -> str:
    import runtime_py
    from runtime_py import vulkan_backend
    from runtime_py.errors import EmberError
    p = runtime_py.load(path)
    try:
        gpu_ops = vulkan_backend.supported_ops()   # the Vulkan backend's own list (libember_vulkan.so)
    except (EmberError, OSError, AttributeError):
        gpu_ops = None                              # not built (or an older build): no GPU line
    lines = [f"{path}: Ember program v{p.version[0]}.{p.version[1]}, {p.file_size:,} bytes "
             f"(constant segment {p.segment_size:,} bytes at offset {p.segment_offset})"]
    for key, value in p.metadata.items():
        lines.append(f"  {key}: {value}")
    for name, m in p.methods.items():
        lines.append(f"method '{name}'")
        for s, lo, hi in m.symbols:
            lines.append(f"  size {s}: {lo}..{hi}")
        for kind, items in (("input", m.inputs), ("output", m.outputs)):
            for d in items:
                lines.append(f"  {kind:6} {d['name']}: {d['dtype']}[{', '.join(map(str, d['shape']))}]")
        counts = collections.Counter(m.operators)
        lines.append(f"  operators: {len(m.operators)}  " +
                     ", ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
        precisions = m.precisions
        if any(p != "float32" for p in precisions):
            for kind in ("int8", "int8-dynamic", "int8-weight", "float32", "convert"):
                ops = collections.Counter(op for op, p in zip(m.operators, precisions) if p == kind)
                if ops:
                    lines.append(f"  {kind + ':':<13} {sum(ops.values())} ops  " + ", ".join(
                        f"{k} x{v}" for k, v in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))))
        lb = m.live_bytes_lower_bound
        ratio = f"{m.arena_size / lb:.3f}x" if lb else "n/a"
        lines.append(f"  arena: {_fmt_bytes(m.arena_size)}; live-bytes lower bound {_fmt_bytes(lb)}; "
                     f"ratio {ratio}")
        packed = sum(1 for t in m.tensors if t.storage == 1 and t.layout != 0)
        lines.append(f"  constants: {_fmt_bytes(m.constant_bytes)} in "
                     f"{sum(1 for t in m.tensors if t.storage == 1)} tensors" +
                     (f" ({packed} linear weights stored as GEMM panels)" if packed else ""))
        lines.append(f"  bundled test cases: {len(m.test_cases())}")
        if gpu_ops is not None:
            lines.append(f"  {vulkan_backend.coverage(m, gpu_ops)}")
    state = p.state_tensors
    if state:
        lines.append(f"state: {_fmt_bytes(p.state.size)} kept across runs, shared by the methods: " + ", ".join(
            f"{s['name']} {s['dtype']}[{', '.join(map(str, s['shape']))}]" + ("" if s["init"] else " (zeros)")
            for s in state))
    return "\n".join(lines)


def _write_text(path, text):
    """Writes text to path (through path.tmp, so a failed write leaves no half file)."""
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.isfile(tmp):
            os.remove(tmp)
        raise CliError(f"cannot write '{path}': {e.strerror or e}") from None


def cmd_inspect(args):
    print(inspect_text(args.program))
    if not (args.html or args.dot):
        return
    import runtime_py
    from ember import graph_view
    program = runtime_py.load(args.program)
    count = sum(len(m.operator_table) for m in program.methods.values())
    title = os.path.basename(args.program)
    for path, render in ((args.html, graph_view.html_page), (args.dot, graph_view.dot_graph)):
        if path:
            _write_text(path, render(program, title))
            print(f"wrote {path} ({count} operators)")


def _py_program(path):
    import runtime_py
    return runtime_py.load(path)


def _c_program(path, required=True):
    """The program on the C runtime, or None (with a note) when the library is not built."""
    import runtime_py
    from runtime_py.errors import EmberError
    try:
        return runtime_py.load(path, backend="c")
    except EmberError as e:
        if required or "library" not in str(e):
            raise
        print(f"note: C runtime not compared: {e}", file=sys.stderr)
        return None


def _vk_program(path):
    """The program on the Vulkan backend (a CPU device such as lavapipe only with
    EMBER_VULKAN_ALLOW_CPU=1); no device, loader or library is one error line."""
    from runtime_py import vulkan_backend
    return vulkan_backend.VulkanProgram(path)


def cmd_run(args):
    described = _py_program(args.program).method(args.method)   # names, bundled cases
    gpu = _vk_program(args.program) if args.runtime == "vulkan" else None
    runner = (gpu.method(args.method) if gpu is not None else
              _c_program(args.program).method(args.method) if args.runtime == "c" else described)
    arrays = load_inputs(args.input, described)
    if arrays is None:
        cases = described.test_cases()
        if not cases:
            raise CliError("no --input given and the program has no bundled test case")
        arrays = cases[0][0]
        print("using the bundled test case's inputs", file=sys.stderr)
    outputs = runner.run(*arrays)
    if gpu is not None:
        gpu.close()
    names = [d["name"] for d in described.outputs]
    if args.output:
        np.savez(args.output, **dict(zip(names, outputs)))
        print(f"wrote {args.output}: {', '.join(names)}")
    else:
        for n, a in zip(names, outputs):
            print(f"{n}: {_summary(a)}")


def _onnx_reference(path, arrays, method):
    """The reference for an ONNX model: onnx.reference.ReferenceEvaluator (no onnxruntime).
    Without --input, the program's bundled test-case inputs."""
    import onnx
    from onnx.reference import ReferenceEvaluator
    if not os.path.isfile(path):
        raise CliError(f"ONNX model '{path}' not found")
    try:
        model = onnx.load(path)
    except Exception as e:
        raise CliError(f"'{path}' is not an ONNX model ({type(e).__name__})") from None
    if arrays is None:
        cases = method.test_cases()
        if not cases:
            raise CliError("no --input given and the program has no bundled test case")
        arrays = cases[0][0]
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    outs = ReferenceEvaluator(model).run(None, dict(zip(names, arrays)))
    return [np.asarray(o).astype(np.float32) if np.asarray(o).dtype == np.float64 else np.asarray(o)
            for o in outs], arrays


def _per_layer(args, method, arrays):
    """`validate --per-layer`: every operator's output against its eager value (ember/per_layer.py)."""
    from ember import per_layer
    if args.model.endswith(".onnx"):
        _, arrays = _onnx_reference(args.model, arrays, method)     # checks the file, picks the inputs
        eager = per_layer.eager_onnx(args.model, arrays)
    else:
        from exporter.frontends.torch import capture
        captured = capture(args.model, method=args.method)
        if arrays is None:
            arrays = [t.detach().numpy() for t in captured.example_inputs]
        eager = per_layer.eager_torch(captured.program.module(), arrays)
    table = per_layer.rows(method, eager, per_layer.program_outputs(method, arrays), args.jump_db)
    if not any(r["eager"] for r in table):
        raise CliError("the program records no eager values (exported with --strip-debug, or by an older "
                       "exporter): re-export it to compare layer by layer")
    print(per_layer.render(table, args.jump_db))
    return 0


def _torch_reference(args, arrays):
    """Eager PyTorch's outputs for `arrays` (default: the model's example inputs), and the
    inputs used: the factory's model, the method --method names, or a .pt2's program."""
    import torch

    from exporter.frontends.torch import capture, load_factory
    if args.model.endswith(".pt2"):
        captured = capture(args.model)
        module, example = captured.program.module(), captured.example_inputs
    else:
        loaded = load_factory(args.model)
        if isinstance(loaded, dict):          # a factory of several methods: the one validated
            if args.method not in loaded:
                raise CliError(f"'{args.model}' has methods {', '.join(loaded)}: name one with --method")
            loaded = loaded[args.method][:2]
        module, example = loaded
    if arrays is None:
        arrays = [t.detach().numpy() for t in example]
    with torch.no_grad():
        eager = module(*[torch.from_numpy(np.ascontiguousarray(a)) for a in arrays])
    return [o.detach().numpy() for o in (eager if isinstance(eager, (tuple, list)) else [eager])], arrays


def cmd_validate(args):
    _exporter_packages("validate")
    program = _py_program(args.program)
    method = program.method(args.method)
    arrays = load_inputs(args.input, method)
    if args.per_layer:
        return _per_layer(args, method, arrays)
    if args.model.endswith(".onnx"):
        eager, arrays = _onnx_reference(args.model, arrays, method)
    else:
        eager, arrays = _torch_reference(args, arrays)
    got = method.run(*arrays)
    if len(eager) != len(got):
        raise CliError(f"eager model returns {len(eager)} outputs, the program {len(got)}")
    c_program = None if args.runtime == "py" else _c_program(args.program,
                                                               required=args.runtime in ("c", "vulkan"))
    c_got = c_program.method(args.method).run(*arrays) if c_program is not None else None
    vk_got = None
    if args.runtime == "vulkan":
        gpu = _vk_program(args.program)
        try:
            vk_got = gpu.method(args.method).run(*arrays)
        finally:
            gpu.close()
    runtimes = ([("python", got)] + ([("c", c_got)] if c_got is not None else []) +
                ([("vulkan", vk_got)] if vk_got is not None else []))
    failed = {name: False for name, _ in runtimes}
    # A quantized program is judged by cosine similarity unless tolerances are given.
    quantized = any(p.startswith("int8") for p in method.precisions)
    by_cosine = quantized and args.atol is None and args.rtol is None
    atol = 1e-4 if args.atol is None else args.atol
    rtol = 1e-4 if args.rtol is None else args.rtol
    head = (f"{'output':<20} {'shape':<16} {'runtime':<8} {'max abs err':>12} {'max rel err':>12} "
            f"{'cosine':>10} {'SQNR dB':>8}  status")
    print(head)
    for k, (d, e) in enumerate(zip(method.outputs, eager)):
        for name, outs in runtimes:
            r = compare(e, outs[k], atol, rtol)
            label = f"{d['name']:<20} {str(list(e.shape)):<16} {name:<8}"
            if "problem" in r:
                print(f"{label} {r['problem']}  FAIL")
                failed[name] = True
                continue
            ok = r["cosine"] >= args.min_cosine if by_cosine else r["ok"]
            print(f"{label} {r['max_abs']:12.3e} {r['max_rel']:12.3e} {r['cosine']:10.7f} {r['sqnr']:8.1f}  "
                  f"{'ok' if ok else 'FAIL'}")
            failed[name] |= not ok
        if c_got is not None:
            r = compare(got[k], c_got[k], 1e-5, 1e-5)
            if "problem" not in r:
                note = "  bit-identical" if r["identical"] else ""
                print(f"{'':<20} {'':<16} {'c vs py':<8} {r['max_abs']:12.3e} {r['max_rel']:12.3e} "
                      f"{r['cosine']:10.7f} {r['sqnr']:8.1f}{note}")
        if vk_got is not None:
            r = compare(c_got[k], vk_got[k], 1e-5, 1e-5)
            if "problem" not in r:
                note = "  bit-identical" if r["identical"] else "" if r["ok"] else "  beyond 1e-5"
                print(f"{'':<20} {'':<16} {'vk vs c':<8} {r['max_abs']:12.3e} {r['max_rel']:12.3e} "
                      f"{r['cosine']:10.7f} {r['sqnr']:8.1f}{note}")
    criterion = (f"cosine >= {args.min_cosine:g}, int8 program" if by_cosine
                 else f"atol {atol:g}, rtol {rtol:g}")
    for name, _ in runtimes:
        print(f"{name} runtime vs eager: {'FAIL' if failed[name] else 'ok'} ({criterion})")
    return 1 if any(failed.values()) else 0


def cmd_profile(args):
    import json

    from ember import profile
    if args.runs < 1:
        raise CliError("--runs must be at least 1")
    method = _py_program(args.program).method(args.method)
    arrays = load_inputs(args.input, method)
    if args.runtime == "py":
        if args.threads != 1:
            raise CliError("--threads is for the C runtime (--runtime c); the Python runtime runs on one")
        if arrays is None:
            cases = method.test_cases()
            if not cases:
                raise CliError("no --input given and the program has no bundled test case")
            arrays = cases[0][0]
        prof = profile.profile_py(method, arrays, args.runs)
    else:
        if not 1 <= args.threads <= 64:
            raise CliError("--threads must be in 1..64")
        if arrays is None and not method.test_cases():
            raise CliError("no --input given and the program has no bundled test case")
        try:
            prof = profile.profile_c(args.program, args.method, arrays, args.runs, args.threads)
        except profile.ProfileError as e:
            raise CliError(str(e)) from None
    print(profile.table(profile.describe(prof, method), args.top))
    if args.trace:
        try:
            with open(args.trace, "w") as f:
                json.dump(profile.chrome_trace(prof), f)
        except OSError as e:
            raise CliError(f"cannot write {args.trace}: {e.strerror}") from None
        print(f"wrote {args.trace} (Chrome trace events: open in https://ui.perfetto.dev or chrome://tracing)")


def _add_inspect(sub):
    i = sub.add_parser("inspect", help="describe a program: methods, I/O, ops, memory",
                       description="Print a program's methods, inputs and outputs, operator counts, "
                                   "arena bytes against the live-bytes lower bound, constant bytes "
                                   "and metadata; --html and --dot also draw its operator graph.")
    i.add_argument("program")
    i.add_argument("--html", metavar="OUT.html",
                   help="also write one self-contained HTML page: each method's operator graph (coloured "
                        "by precision, hover for source lines and operands) and its memory plan")
    i.add_argument("--dot", metavar="OUT.dot", help="also write the operator graphs as Graphviz DOT")
    i.set_defaults(func=cmd_inspect)


def cmd_generate(args):
    from ember import generate as gen
    try:
        prompt = [int(t) for t in args.prompt_ids.split(",") if t.strip()]
    except ValueError:
        raise CliError(f"--prompt-ids {args.prompt_ids!r}: expected comma-separated token ids (e.g. 1,2,3)") from None
    if args.n < 1:
        raise CliError("-n must be at least 1")
    decode = None
    if args.tokenizer:
        try:
            from tokenizers import Tokenizer
            decode = Tokenizer.from_file(args.tokenizer).decode
        except ImportError:
            raise CliError("--tokenizer needs the `tokenizers` package (pip install tokenizers)") from None
        except Exception as e:
            raise CliError(f"--tokenizer {args.tokenizer}: {type(e).__name__}: {e}") from None
    described = _py_program(args.program)
    program = described if args.runtime == "py" else _c_program(args.program)
    shown = []

    def on_token(token):
        shown.append(token)
        print(token if decode is None else decode([token]), end=" " if decode is None else "", flush=True)
    try:
        result = gen.generate(program, described, prompt, args.n, args.temperature, args.top_k, args.seed, on_token)
    except gen.GenerateError as e:
        raise CliError(str(e)) from None
    print()
    if decode is not None:
        print(f"text: {decode(prompt + result.tokens)!r}")
    print(result.rates(), file=sys.stderr)


def _add_generate(sub):
    g = sub.add_parser("generate", help="generate tokens from a language-model program (prefill + decode)",
                       description="Feed --prompt-ids through the program's prefill and decode methods (the KV "
                                   "cache is program state), then generate -n tokens with decode: greedy, or "
                                   "sampled with --temperature and --top-k from a --seed. Prints the tokens as "
                                   "they come (text with --tokenizer) and tokens/s of prefill and decode.")
    g.add_argument("program")
    g.add_argument("--prompt-ids", required=True, metavar="IDS", help="comma-separated prompt token ids")
    g.add_argument("-n", type=int, default=32, help="tokens to generate (default 32)")
    g.add_argument("--temperature", type=float, default=0.0, help="0 (default): greedy; else sample at it")
    g.add_argument("--top-k", type=int, default=0, metavar="K", help="sample from the K most likely only")
    g.add_argument("--seed", type=int, default=0, help="the sampler's seed (default 0)")
    g.add_argument("--tokenizer", metavar="FILE", help="a tokenizers JSON file: print text, not ids")
    g.add_argument("--runtime", choices=["py", "c"], default="c",
                   help="c: the C runtime (default); py: the numpy runtime")
    g.set_defaults(func=cmd_generate)


def _add_validate(sub):
    v = sub.add_parser("validate", help="compare a program against eager PyTorch",
                       description="Run the same inputs through the eager model and the program; "
                                   "print max abs error, max relative error and cosine similarity "
                                   "per output, for the Python and the C runtime side by side (and C against Python). "
                                   "Also SQNR (signal to quantization noise, dB). Exit 1 if any element exceeds "
                                   "atol + rtol*|eager| (int8 programs: if a cosine is below --min-cosine).")
    v.add_argument("model", help="FILE.py:FACTORY, MODULE:FACTORY or .pt2 (the eager reference), or .onnx "
                                 "(onnx's reference evaluator)")
    v.add_argument("program")
    v.add_argument("-i", "--input", action="append", metavar="FILE",
                   help=".npy/.npz inputs (default: the factory's example inputs)")
    v.add_argument("--method", default="forward")
    v.add_argument("--atol", type=float, default=None, help="absolute tolerance (default 1e-4)")
    v.add_argument("--rtol", type=float, default=None, help="relative tolerance (default 1e-4)")
    v.add_argument("--min-cosine", type=float, default=0.99,
                   help="an int8 program passes when each output's cosine similarity to eager is at "
                        "least this (default 0.99), unless --atol/--rtol are given")
    v.add_argument("--runtime", choices=["all", "py", "c", "vulkan"], default="all",
                   help="runtimes to compare with eager (default: all: Python and, when built, C; vulkan: "
                        "Python, C and the Vulkan backend side by side, and Vulkan against C)")
    v.add_argument("--per-layer", action="store_true",
                   help="compare every operator's output with the eager value it stands for (the Python "
                        "runtime, which the C runtime matches): max abs error, cosine, SQNR per operator, the "
                        "first operator that loses much more precision than its inputs marked")
    v.add_argument("--jump-db", type=float, default=15.0, metavar="DB",
                   help="--per-layer: an operator whose SQNR is more than DB below its inputs' is a jump "
                        "(default 15)")
    v.set_defaults(func=cmd_validate)


def _add_profile(sub):
    f = sub.add_parser("profile", help="time every operator of a program",
                       description="Run a method of PROGRAM --runs times (after one warm-up run) and print, per "
                                   "operator: its index, op, source line, operand shapes, median time, share of the "
                                   "total and achieved GFLOP/s (convolutions, linear, matmul) or GB/s (the rest); "
                                   "then the totals. Without --input, the bundled test case's inputs.")
    f.add_argument("program")
    f.add_argument("-i", "--input", action="append", metavar="FILE", help=".npy or .npz input (repeatable)")
    f.add_argument("--method", default="forward")
    f.add_argument("--runtime", choices=["py", "c"], default="c",
                   help="c: the C runtime through runtime_c/build/ember_run (default); py: the numpy runtime")
    f.add_argument("--threads", type=int, default=1, help="C runtime: kernel threads (default 1)")
    f.add_argument("--runs", type=int, default=10, help="timed runs (default 10); the table shows medians")
    f.add_argument("--top", type=int, metavar="N", help="only the N slowest operators, slowest first")
    f.add_argument("--trace", metavar="OUT.json",
                   help="also write a Chrome trace-event file (Perfetto, chrome://tracing) of every run")
    f.set_defaults(func=cmd_profile)


def build_parser():
    from exporter.options import OBSERVERS, QuantMode      # no torch: the runtime-only install has them
    p = argparse.ArgumentParser(prog="ember", description="Export PyTorch models to Ember programs and run them.")
    p.add_argument("--version", action="version", version=f"ember {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    e = sub.add_parser("export", help="export a model to a .ember program",
                       description="Export MODEL (FILE.py:FACTORY, MODULE:FACTORY, a .pt2 file "
                                   "saved with torch.export.save, or an .onnx file, opset >= 13) to a "
                                   ".ember program. A factory returns (model, example_inputs).")
    e.add_argument("model")
    e.add_argument("-o", "--output", help="output path (default: MODEL's name with .ember)")
    e.add_argument("--method", default="forward", help="method name in the program (default: forward)")
    e.add_argument("--batch-max", type=int, metavar="N",
                   help="make dimension 0 of every input dynamic, 1..N (memory planned for N)")
    e.add_argument("--seq-max", type=int, metavar="N",
                   help="make dimension 1 of every input of rank >= 2 dynamic, 1..N")
    e.add_argument("--dim", action="append", metavar="NAME=MAX",
                   help="ONNX models: bound the dynamic dimension NAME (a dim_param of the model's inputs) "
                        "to 1..MAX, or MIN..MAX with NAME=MIN..MAX (repeatable); memory is planned for MAX")
    e.add_argument("--no-test-case", action="store_true",
                   help="do not bundle the example inputs and eager outputs as a test case")
    e.add_argument("--quantize", choices=[m.value for m in QuantMode],
                   help="int8: post-training static quantization (per-channel int8 weights, per-tensor "
                        "int8 activations from --calibration ranges); ops without an int8 kernel stay float. "
                        "int8-dynamic: linear layers with int8 weights whose input rows are quantized at run "
                        "time (transformers). int8-weight-only: linear layers read int8 weights, compute in "
                        "float (memory-bound models). The last two need no calibration")
    e.add_argument("--calibration", metavar="DATA",
                   help="calibration inputs for --quantize: a .npy/.npz file or a folder of them (samples "
                        "stacked along dimension 0, one array per input), or FILE.py:FUNCTION / "
                        "MODULE:FUNCTION returning or yielding batches")
    e.add_argument("--observer", choices=OBSERVERS, default=OBSERVERS[0],
                   help="activation ranges from calibration: minmax (default) or the 0.01/99.99 "
                        "percentiles (clips outliers)")
    e.add_argument("--keep-float", metavar="NAME,...",
                   help="--quantize int8: leave these operators in float: node names or module paths from "
                        "the per-layer table of ember validate (a module keeps every operator inside it)")
    e.add_argument("--strip-debug", action="store_true",
                   help="leave out source lines and the eager mapping that the per-layer table of ember "
                        "validate reads (a smaller file; error messages then name operators by index only)")
    e.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    e.set_defaults(func=cmd_export)

    _add_inspect(sub)

    r = sub.add_parser("run", help="run a program on .npy/.npz inputs",
                       description="Run a method of PROGRAM on inputs from .npy files (in order) or "
                                   "a .npz (by input name). Without --input, the bundled test case "
                                   "is used. Prints a summary of each output, or writes --output.")
    r.add_argument("program")
    r.add_argument("-i", "--input", action="append", metavar="FILE", help=".npy or .npz input (repeatable)")
    r.add_argument("-o", "--output", metavar="OUT.npz", help="write outputs to a .npz file")
    r.add_argument("--method", default="forward")
    r.add_argument("--runtime", choices=["py", "c", "vulkan"], default="py",
                   help="py: the numpy reference runtime; c: the C runtime (libember.so); vulkan: the GPU "
                        "(libember_vulkan.so; EMBER_VULKAN_ALLOW_CPU=1 accepts a CPU device)")
    r.set_defaults(func=cmd_run)

    _add_validate(sub)
    _add_profile(sub)
    _add_generate(sub)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from exporter.errors import ExportError, ExportWarning
    from runtime_py.errors import EmberError
    default_show = warnings.showwarning

    def show(message, category, *args, **kwargs):
        if issubclass(category, ExportWarning):
            print(f"ember: note: {message}", file=sys.stderr)
        else:
            default_show(message, category, *args, **kwargs)
    warnings.showwarning = show
    try:
        return args.func(args) or 0
    except (CliError, ExportError, EmberError) as e:
        print(f"ember: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ember: interrupted", file=sys.stderr)
        return 130
    except Exception as e:        # a bug: one line, not a traceback (EMBER_TRACEBACK=1 shows it)
        if os.environ.get("EMBER_TRACEBACK"):
            raise
        where = e.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = f" at {os.path.relpath(where.tb_frame.f_code.co_filename)}:{where.tb_lineno}" if where else ""
        print(f"ember: error: internal error{at}: {type(e).__name__}: {e} (a bug in Ember: please report it; "
              f"EMBER_TRACEBACK=1 shows the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
