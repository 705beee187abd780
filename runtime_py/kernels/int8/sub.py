"""SUB int8: see _binary.py."""
from runtime_py.kernels.int8 import _binary
from runtime_py.kernels.int8._binary import add_or_sub


def sub(a, b, out, *, q, activation=0):
    add_or_sub(a, b, out, q, -1)


check = _binary.check
