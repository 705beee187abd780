"""BATCH_MATMUL: out[..., m, n] = sum_k a[..., m, k] * b[..., k, n]; batch dimensions broadcast."""
import numpy as np


def batch_matmul(a, b, out):
    np.matmul(a, b, out=out)
