"""PAD: constant padding; pads = [before_0, after_0, before_1, after_1, ...]."""
import numpy as np


def pad(x, out, *, pads, value=0.0):
    width = [(int(pads[2 * i]), int(pads[2 * i + 1])) for i in range(x.ndim)]
    out[...] = np.pad(x, width, constant_values=value)
