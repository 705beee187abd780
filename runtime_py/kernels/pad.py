"""PAD: constant padding; pads = [before_0, after_0, before_1, after_1, ...]."""
import numpy as np

from runtime_py.kernels._checks import dims, ints, require


def pad(x, out, *, pads, value=0.0):
    width = [(int(pads[2 * i]), int(pads[2 * i + 1])) for i in range(x.ndim)]
    out[...] = np.pad(x, width, constant_values=value)


def check(ins, out, options, where, int8):
    x, y, pads = dims(ins[0]), dims(out), ints(options.pads)
    require(len(pads) == 2 * len(x) and min(pads, default=0) >= 0, f"{where}: pads {pads} invalid for rank {len(x)}")
    require(len(y) == len(x) and all(y[d] == x[d] + pads[2 * d] + pads[2 * d + 1] for d in range(len(x))),
            f"{where}: input {x} with pads {pads} does not give output {y}")
