"""Capture: load a user's model and trace it with torch.export.

Accepts `file.py:factory` or `package.module:factory` (the factory returns
`(model, example_inputs)`, or several methods of one model as `{name: (module or bound
method, example_inputs)}`), or a `.pt2` file written by `torch.export.save`.
Produces an ExportedProgram decomposed to core ATen ops.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import os
import sys
import warnings
from dataclasses import dataclass

import torch

from exporter.errors import ExportError, ExportWarning
from exporter.frontends.torch.constraints import explain


@dataclass
class Captured:
    program: torch.export.ExportedProgram
    example_inputs: tuple
    model: torch.nn.Module | None     # eager model, when the source was a factory
    source: str
    dynamic: list
    state_prefix: str = ""            # stripped from buffer names: state keys are the shared module's
    state_keys: frozenset = frozenset()   # buffers another method of the program mutates: state here too


class Entry(torch.nn.Module):
    """One method of a shared module as a module torch.export can capture: `m` is the module
    (so its buffers are named `m.<name>` in every method and the program's state is shared),
    `fn` the method called (`forward` for the module itself)."""
    PREFIX = "m."

    def __init__(self, owner: torch.nn.Module, fn: str):
        super().__init__()
        self.m, self.fn = owner, fn

    def forward(self, *args):
        return getattr(self.m, self.fn)(*args)


def entry(fn, where: str) -> Entry:
    """An nn.Module or a bound method of one, as an Entry."""
    if isinstance(fn, torch.nn.Module):
        return Entry(fn.eval(), "forward")
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, torch.nn.Module) and callable(fn):
        return Entry(owner.eval(), fn.__name__)
    raise ExportError(f"{where}: a method must be an nn.Module or a bound method of one (model.decode), "
                      f"got {type(fn).__name__}")


def _inputs(inputs, where):
    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else ()
    if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
        raise ExportError(f"{where}: example_inputs must be a tensor or a tuple of tensors")
    return inputs


def load_factory(spec: str):
    """Import `file.py:factory` or `package.module:factory` and call it: (model, inputs), or
    {method name: (Entry, inputs[, dynamic])} for a factory of several methods."""
    if ":" not in spec:
        raise ExportError(f"model '{spec}': expected FILE.py:FACTORY, MODULE:FACTORY or a .pt2 file")
    target, func_name = spec.rsplit(":", 1)
    if target.endswith(".py"):
        if not os.path.isfile(target):
            raise ExportError(f"model file '{target}' not found")
        mod_name = "ember_user_" + os.path.splitext(os.path.basename(target))[0]
        loader_spec = importlib.util.spec_from_file_location(mod_name, target)
        module = importlib.util.module_from_spec(loader_spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        try:
            loader_spec.loader.exec_module(module)
        except Exception as e:
            raise ExportError(f"importing '{target}' failed: {type(e).__name__}: {e}") from e
        finally:
            sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(target)
        except Exception as e:
            raise ExportError(f"importing module '{target}' failed: {type(e).__name__}: {e}") from e
    factory = getattr(module, func_name, None)
    if not callable(factory):
        raise ExportError(f"'{target}' has no callable '{func_name}'")
    try:
        result = factory()
    except Exception as e:
        raise ExportError(f"factory '{spec}' raised {type(e).__name__}: {e}") from e
    if isinstance(result, dict) and result:
        methods = {}
        for name, value in result.items():
            where = f"factory '{spec}' method '{name}'"
            if not (isinstance(name, str) and name and isinstance(value, tuple) and len(value) in (2, 3)):
                raise ExportError(f"{where}: expected {{name: (module or bound method, example_inputs"
                                  f"[, [DynamicDim, ...]])}}")
            methods[name] = (entry(value[0], where), _inputs(value[1], where), *value[2:])
        return methods
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], torch.nn.Module)):
        raise ExportError(f"factory '{spec}' must return (model, example_inputs) or {{method name: (module or "
                          f"bound method, example_inputs)}}, got {type(result).__name__}")
    model, inputs = result
    return model.eval(), _inputs(inputs, f"factory '{spec}'")


def _dynamic_shapes(inputs, dynamic):
    if not dynamic:
        return None
    specs = []
    dims_by_name = {}
    for d in dynamic:
        if d.multiple < 1:
            raise ExportError(f"DynamicDim '{d.name}': multiple {d.multiple} (must be at least 1)")
        lo, hi = d.quotient_range()
        if lo > hi:
            raise ExportError(f"DynamicDim '{d.name}': no multiple of {d.multiple} in {d.min}..{d.max}")
        base = torch.export.Dim(d.symbol, min=lo, max=hi)
        dims_by_name[d.name] = base if d.multiple == 1 else d.multiple * base
    for i, t in enumerate(inputs):
        spec = {}
        for d in dynamic:
            if d.applies(i, t):
                if t.shape[d.dim] > d.max:
                    raise ExportError(f"example input has size {t.shape[d.dim]} in dimension {d.dim} "
                                      f"({d.name}), larger than the maximum {d.max}")
                if t.shape[d.dim] % d.multiple:
                    raise ExportError(f"example input has size {t.shape[d.dim]} in dimension {d.dim} "
                                      f"({d.name}), not a multiple of {d.multiple}")
                spec[d.dim] = dims_by_name[d.name]
        specs.append(spec or None)
    return tuple(specs)


@contextlib.contextmanager
def _quiet():
    """torch.export prints warnings meant for torch developers; keep the CLI readable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# Core ATen overloads torch would decompose further that Ember runs as one op.
KEPT_WHOLE = ("reflection_pad1d", "reflection_pad2d", "reflection_pad3d", "replication_pad1d", "replication_pad2d",
              "replication_pad3d")


def decompose(program: torch.export.ExportedProgram) -> torch.export.ExportedProgram:
    table = torch.export.default_decompositions()
    for name in KEPT_WHOLE:
        table.pop(getattr(torch.ops.aten, name).default, None)
    with _quiet():
        try:
            return program.run_decompositions(table)
        except Exception as e:
            raise ExportError(f"decomposing to core ATen failed: {type(e).__name__}: "
                              f"{str(e).splitlines()[0]}") from e


def _widened(inputs, dynamic):
    """The inputs torch.export traces with: a dimension marked dynamic that has size 1 in the
    example is doubled (the example repeated along it), since torch.export specializes a
    size-1 dimension to the constant 1. The bundled test case keeps the user's example."""
    out = []
    for i, t in enumerate(inputs):
        for d in dynamic:
            if d.applies(i, t) and t.shape[d.dim] == 1 and d.max >= 2 and d.multiple == 1:
                t = torch.cat([t, t], d.dim)
        out.append(t)
    return tuple(out)


def _export(model, inputs, dynamic, strict=False):
    """torch.export's program, or (None, the exception)."""
    with _quiet(), torch.no_grad():
        try:
            shapes = _dynamic_shapes(inputs, dynamic)
            if shapes is not None and isinstance(model, Entry):
                shapes = (shapes,)          # Entry.forward(*args): one variadic argument
            return torch.export.export(model, _widened(inputs, dynamic), dynamic_shapes=shapes, strict=strict), None
        except ExportError:
            raise
        except Exception as e:
            return None, e


def _described(d) -> str:
    return f"{d.name} in {d.min}..{d.max}" + (f", a multiple of {d.multiple}" if d.multiple > 1 else "")


def capture_module(model, inputs, dynamic=(), source="<module>") -> Captured:
    """torch.export of `model` on `inputs` with the sizes `dynamic`. When torch.export's guards
    hold on a narrower range than asked (a higher minimum, or multiples of k), the export is
    done with that range and an ExportWarning says so; when they cannot, one ExportError says
    which input and dimension, what works and what to pass."""
    model = model.eval()
    program, error = _export(model, inputs, dynamic)
    if error is not None:
        why = explain(str(error), dynamic)
        if why is None:
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ExportError(f"torch.export failed on '{source}': {type(error).__name__}: {first}") from error
        narrowed = [dataclasses.replace(d, **why.fixes.get(d.name, {})) for d in dynamic]
        if why.complete and narrowed != list(dynamic):
            program, retry_error = _export(model, inputs, narrowed)
            if retry_error is None:
                changed = [_described(d) for d, a in zip(narrowed, dynamic) if d != a]
                warnings.warn(ExportWarning(f"'{source}' exported for {'; '.join(changed)}, not the range "
                                            f"asked: {why.text}"), stacklevel=3)
                dynamic = narrowed
        if program is None:
            raise ExportError(f"torch.export cannot make '{source}' dynamic as asked: {why.text}") from error
    try:
        decomposed = decompose(program)
    except ExportError as first:
        # Some models (transformers' static-cache wrappers) decompose only from a strict
        # (TorchDynamo) capture: try that before giving up.
        program, error = _export(model, inputs, dynamic, strict=True)
        if program is None:
            raise first from None
        decomposed = decompose(program)
    return Captured(decomposed, tuple(inputs), model, source, list(dynamic))


def capture_pt2(path: str) -> Captured:
    if not os.path.isfile(path):
        raise ExportError(f"model file '{path}' not found")
    with _quiet():
        try:
            program = torch.export.load(path)
        except Exception as e:
            raise ExportError(f"'{path}' is not a torch.export program: {type(e).__name__}: "
                              f"{str(e).splitlines()[0] if str(e) else ''}") from e
    example = program.example_inputs
    inputs = tuple(example[0]) if example else ()
    return Captured(decompose(program), inputs, None, path, [])


def capture(spec: str, dynamic=(), method: str | None = None) -> Captured:
    """Capture from a CLI model spec: a .pt2 file or a factory reference (of several methods:
    the one named `method`)."""
    if spec.endswith(".pt2"):
        if dynamic:
            raise ExportError("--batch-max/--seq-max do not apply to a .pt2 file: "
                              "its dynamic dimensions were fixed when it was exported")
        return capture_pt2(spec)
    loaded = load_factory(spec)
    if isinstance(loaded, dict):
        if method not in loaded:
            raise ExportError(f"factory '{spec}' has methods {', '.join(loaded)}: name one with --method")
        module, inputs, *own = loaded[method]
        return capture_entry(module, inputs, list(own[0]) if own else dynamic, f"{spec} ({method})")
    model, inputs = loaded
    return capture_module(model, inputs, dynamic, spec)


def capture_entry(module: Entry, inputs, dynamic=(), source="<method>") -> Captured:
    """capture_module of one method of a shared module (its buffers' names without `m.`)."""
    return dataclasses.replace(capture_module(module, inputs, dynamic, source), state_prefix=Entry.PREFIX)


def state_key(captured: Captured, fqn: str) -> str:
    """A buffer's state key: its name in the shared module (without the Entry wrapper's `m.`)."""
    p = captured.state_prefix
    return fqn[len(p):] if p and fqn.startswith(p) else fqn


def mutated_buffers(captured: Captured) -> set:
    """The state keys of the buffers the captured method mutates."""
    return {state_key(captured, k) for k in captured.program.graph_signature.buffers_to_mutate.values()}


def share_state(methods: dict) -> dict:
    """The methods of one program, each told every buffer any of them mutates: a buffer one
    method writes is state in all of them (a method that only reads it reads the state)."""
    keys = frozenset().union(*(mutated_buffers(c) for c in methods.values()))
    return {name: dataclasses.replace(c, state_keys=keys) for name, c in methods.items()}


def capture_methods(spec: str, dynamic=()) -> dict | None:
    """{name: Captured} of a factory of several methods, or None for a one-model factory."""
    if spec.endswith(".pt2"):
        return None
    loaded = load_factory(spec)
    if not isinstance(loaded, dict):
        return None
    return share_state({name: capture_entry(module, inputs, list(own[0]) if own else dynamic, f"{spec} ({name})")
                        for name, (module, inputs, *own) in loaded.items()})
