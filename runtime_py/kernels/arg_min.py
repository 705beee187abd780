"""ARG_MIN: the index of the smallest element along `axis`; a NaN still wins (see _arg.py)."""
import numpy as np

from runtime_py.kernels import _arg


def arg_min(x, out, *, axis, keep_dims=False, select_last_index=False):
    _arg.arg(np.argmin, x, out, axis, keep_dims, select_last_index)


check = _arg.check
