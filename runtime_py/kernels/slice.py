"""SLICE: out = x[start : start + step * out.shape[axis] : step] along `axis`."""
import builtins


def slice(x, out, *, axis, start, step=1):
    count = out.shape[axis]
    sel = [builtins.slice(None)] * x.ndim
    sel[axis] = builtins.slice(start, start + step * (count - 1) + 1, step)
    out[...] = x[tuple(sel)]
