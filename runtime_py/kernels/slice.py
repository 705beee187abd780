"""SLICE: out = x[start : start + step * out.shape[axis] : step] along `axis`."""
import builtins

from runtime_py.kernels._checks import dims, require


def slice(x, out, *, axis, start, step=1):
    count = out.shape[axis]
    sel = [builtins.slice(None)] * x.ndim
    sel[axis] = builtins.slice(start, start + step * (count - 1) + 1, step)
    out[...] = x[tuple(sel)]


def check(ins, out, options, where, int8):
    x, y, axis = dims(ins[0]), dims(out), options.axis
    require(0 <= axis < len(x) and len(y) == len(x),
            f"{where}: axis {axis}, input rank {len(x)}, output rank {len(y)} inconsistent")
    n = y[axis]
    require(options.step >= 1 and options.start >= 0
            and (n == 0 or options.start + options.step * (n - 1) < x[axis]),
            f"{where}: start {options.start}, step {options.step}, count {n} exceed dimension {x[axis]}")
    require(len(y) == len(x) and all(y[d] == x[d] for d in range(len(x)) if d != axis),
            f"{where}: input {x}, output {y}, axis {axis} inconsistent")
