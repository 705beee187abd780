"""BATCH_MATMUL: out[..., m, n] = sum_k a[..., m, k] * b[..., k, n]; batch dimensions broadcast."""
import numpy as np

from runtime_py.kernels._checks import broadcast, dims, require, shared_dtype


def batch_matmul(a, b, out):
    np.matmul(a, b, out=out)


def check(ins, out, options, where, int8):
    a, b = (dims(t) for t in ins)
    y = dims(out)
    ok = len(a) >= 2 and len(b) >= 2 and len(y) == max(len(a), len(b))
    ok = ok and a[-1] == b[-2] and y[-2:] == [a[-2], b[-1]]
    ok = ok and broadcast([a[:-2], b[:-2]]) == y[:-2] if ok and len(y) > 2 else ok
    require(ok, f"{where}: a {a}, b {b}, output {y}: not (..., M, K) x (..., K, N) -> (..., M, N)")
    shared_dtype(ins, out, where)
