"""RESHAPE: same elements in row-major order, new shape. In a planned arena the output
aliases the input, so there is nothing to move."""
import numpy as np


def reshape(x, out):
    if not np.shares_memory(x, out):
        out[...] = x.reshape(out.shape)
