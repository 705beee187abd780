"""CONCAT: inputs joined along `axis`; all other dimensions equal."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import dims, require


def concat(*tensors_and_out, axis):
    *tensors, out = tensors_and_out
    np.concatenate(tensors, axis=axis, out=out)


def check(ins, out, options, where, int8):
    """All dimensions but `axis` equal the output's; the axis sizes sum to its."""
    _checks.axis(ins, options, where)
    xs, y, axis = [dims(t) for t in ins], dims(out), options.axis
    ok = all(len(x) == len(y) and all(x[d] == y[d] for d in range(len(x)) if d != axis) for x in xs)
    require(ok and sum(x[axis] for x in xs) == y[axis],
            f"{where}: inputs {xs} do not concatenate on axis {axis} to {y}")
