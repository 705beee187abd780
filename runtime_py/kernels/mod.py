"""MOD: the remainder with the sign of the divisor (torch.remainder, Python's %), numpy
broadcasting, one dtype. FLOAT32: r = fmod(a, b), then r + b where r != 0 and the signs of
r and b differ, in float32 (the C kernel's operations, so the bits agree). Integers: exact
floored remainder (numpy's; INT_MIN % -1 is 0); a zero divisor is a run-time error."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels.gather import IndexOutOfRange


class ZeroDivisor(IndexOutOfRange):
    """An integer divisor of 0: a run-time data error, reported as a bad index is."""


def nonzero_divisor(b, out):
    """Raises ZeroDivisor when integer b holds a 0 (every element of b is used when out
    has elements)."""
    if out.dtype.kind in "iu" and out.size and not b.all():
        raise ZeroDivisor(f"integer division by zero (divisor element {int(np.argmin(b != 0))} is 0)")


def mod(a, b, out):
    nonzero_divisor(b, out)
    with np.errstate(all="ignore"):
        if out.dtype.kind in "iu":
            np.remainder(a, b, out=out)
            return
        r = np.fmod(a, b, dtype=np.float32)
        out[...] = np.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)


check = _checks.arith   # inputs broadcast to the output, one numeric dtype
