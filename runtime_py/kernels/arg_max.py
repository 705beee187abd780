"""ARG_MAX: the index of the largest element along `axis` (see _arg.py)."""
import numpy as np

from runtime_py.kernels import _arg


def arg_max(x, out, *, axis, keep_dims=False, select_last_index=False):
    _arg.arg(np.argmax, x, out, axis, keep_dims, select_last_index)


check = _arg.check
