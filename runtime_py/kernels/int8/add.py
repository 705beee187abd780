"""ADD int8: see _binary.py; the fused activation is the [act_min, act_max] clamp."""
from runtime_py.kernels.int8 import _binary
from runtime_py.kernels.int8._binary import add_or_sub


def add(a, b, out, *, q, activation=0):
    add_or_sub(a, b, out, q, 1)


check = _binary.check
