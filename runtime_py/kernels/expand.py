"""EXPAND: numpy broadcasting of x to the output's shape (dimensions aligned at the right)."""
import numpy as np


def expand(x, out):
    out[...] = np.broadcast_to(x, out.shape)
