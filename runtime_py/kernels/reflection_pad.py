"""REFLECTION_PAD: PAD's pads (before_0, after_0, before_1, ...) filled by mirroring the
input without repeating the edge (numpy's "reflect"); each pad of a padded dimension is
smaller than its size."""
import numpy as np

from runtime_py.kernels import pad
from runtime_py.kernels._checks import dims, ints, require


def pad_modes(x, out, pads, mode):
    """np.pad in `mode` ("reflect" or "edge"); a rank-0 x has no pads."""
    if x.ndim == 0:
        out[...] = x
        return
    out[...] = np.pad(x, [(int(pads[2 * d]), int(pads[2 * d + 1])) for d in range(x.ndim)], mode=mode)


def reflection_pad(x, out, *, pads, value=0.0):
    pad_modes(x, out, pads, "reflect")


def check_modes(ins, out, options, where, reflect):
    """PAD's shape rules, then the mode's: pads < size (reflect), or a non-empty size (edge),
    for each padded dimension."""
    x, pads = dims(ins[0]), ints(options.pads)
    pad.check(ins, out, options, where, False)
    require(ins[0].dtype == out.dtype, f"{where}: input and output dtypes differ")
    for d, n in enumerate(x):
        before, after = pads[2 * d], pads[2 * d + 1]
        if before or after:
            require(max(before, after) < n if reflect else n > 0,
                    f"{where}: dimension {d}: reflection pads {before}, {after} must be smaller than its size {n}"
                    if reflect else f"{where}: dimension {d}: pads {before}, {after} replicate the edge of an "
                    f"empty dimension (size {n})")


def check(ins, out, options, where, int8):
    check_modes(ins, out, options, where, reflect=True)
