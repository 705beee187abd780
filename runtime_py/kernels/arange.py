"""ARANGE: out[i] = start + i * step, for i in [0, out.shape[0])."""
import numpy as np

from runtime_py.kernels import _checks


def arange(out, *, start=0.0, step=1.0):
    values = start + step * np.arange(out.shape[0], dtype=np.float64)
    out[...] = values.astype(out.dtype) if out.dtype.kind != "f" else values


check = _checks.no_rule   # the output's shape is the file's
