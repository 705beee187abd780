"""Calibration data: where the batches come from, checked against the model's inputs.

DATA may be
  * a .npy file (one-input models) or a .npz file with one array per input, in input
    order (names ignored): samples are stacked along the first dimension and fed in
    batches of the example input's first dimension;
  * a folder: every .npy / .npz file in it, in name order, each read as above;
  * `file.py:function` or `package.module:function`: a function that returns or
    yields batches, each an array / tensor or a tuple of them (one per input).
"""
from __future__ import annotations

import importlib
import importlib.util
import os

import numpy as np

from exporter.errors import ExportError


def _as_arrays(batch) -> list:
    items = batch if isinstance(batch, (tuple, list)) else [batch]
    out = []
    for a in items:
        if hasattr(a, "detach"):          # a torch tensor
            a = a.detach().cpu().numpy()
        out.append(np.asarray(a))
    return out


def _split(arrays, batch_sizes, source):
    """Stacked samples -> batches of the example's first-dimension size. A last,
    incomplete batch is dropped when there is a complete one (a model with a static
    batch size could not run it)."""
    if any(a.ndim == 0 for a in arrays):
        raise ExportError(f"calibration data {source}: a scalar array; samples must be stacked along "
                          f"dimension 0")
    n = {len(a) for a in arrays}
    if len(n) != 1:
        raise ExportError(f"calibration data {source}: inputs hold different numbers of samples "
                          f"({sorted(n)})")
    total = n.pop()
    step = max(batch_sizes[0], 1)
    if total >= step:
        total -= total % step
    return [[a[i:i + step] for a in arrays] for i in range(0, total, step)]


def _read_file(path, batch_sizes):
    try:
        if path.endswith(".npz"):
            with np.load(path, allow_pickle=False) as z:
                arrays = [z[k] for k in z.files]
        else:
            arrays = [np.load(path, allow_pickle=False)]
    except (OSError, ValueError) as e:
        raise ExportError(f"calibration data {path}: cannot read it ({e})") from None
    return _split(arrays, batch_sizes, path)


def _call_function(spec):
    target, _, func = spec.rpartition(":")
    try:
        if target.endswith(".py"):
            if not os.path.isfile(target):
                raise ExportError(f"calibration data {spec}: no such file {target}")
            module_spec = importlib.util.spec_from_file_location("_ember_calibration", target)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
        fn = getattr(module, func, None)
        if not callable(fn):
            raise ExportError(f"calibration data {spec}: {func} is not a function in {target}")
        result = fn()
        if isinstance(result, (np.ndarray,)) or hasattr(result, "detach"):
            result = [result]
        return [_as_arrays(b) for b in result]
    except ExportError:
        raise
    except Exception as e:  # the user's code failed: say so, in one line
        raise ExportError(f"calibration data {spec}: the function raised {type(e).__name__}: {e}") from None


def load_batches(data, example_inputs) -> list:
    """A list of batches, each a list of numpy arrays matching the model's inputs."""
    examples = [np.asarray(e.detach().numpy() if hasattr(e, "detach") else e) for e in example_inputs]
    batch_sizes = [e.shape[0] if e.ndim else 1 for e in examples]
    if isinstance(data, (list, tuple)):
        batches = [_as_arrays(b) for b in data]
        source = "(in memory)"
    elif isinstance(data, str) and ":" in data and not os.path.exists(data):
        batches = _call_function(data)
        source = data
    elif isinstance(data, str) and os.path.isdir(data):
        files = sorted(f for f in os.listdir(data) if f.endswith((".npy", ".npz")))
        batches = [b for f in files for b in _read_file(os.path.join(data, f), batch_sizes)]
        source = data
    elif isinstance(data, str) and os.path.isfile(data):
        if not data.endswith((".npy", ".npz")):
            raise ExportError(f"calibration data {data}: expected .npy, .npz, a folder or file.py:function")
        batches = _read_file(data, batch_sizes)
        source = data
    else:
        raise ExportError(f"calibration data {data}: no such file or folder")
    if not batches:
        raise ExportError(f"calibration data {source}: it holds no samples (the calibration set is empty)")
    for k, batch in enumerate(batches):
        if len(batch) != len(examples):
            raise ExportError(f"calibration data {source}: batch {k} has {len(batch)} input(s), "
                              f"the model takes {len(examples)}")
        for i, (a, e) in enumerate(zip(batch, examples)):
            if a.dtype != e.dtype:
                if a.dtype.kind == "f" and e.dtype.kind == "f":
                    batch[i] = a = a.astype(e.dtype)
                else:
                    raise ExportError(f"calibration data {source}: batch {k} input {i} has dtype {a.dtype}, "
                                      f"the model's input {i} is {e.dtype}")
            if a.ndim != e.ndim or a.shape[1:] != e.shape[1:] or a.shape[0] == 0:
                raise ExportError(f"calibration data {source}: batch {k} input {i} has shape {list(a.shape)}, "
                                  f"the model's input {i} has shape {list(e.shape)} (samples along "
                                  f"the first dimension)")
    return batches
