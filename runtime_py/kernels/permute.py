"""PERMUTE: out.shape[i] = x.shape[perm[i]]; out[idx] = x[idx permuted back]."""
import numpy as np

from runtime_py.kernels._checks import dims, ints, require


def permute(x, out, *, perm):
    out[...] = np.transpose(x, perm)


def check(ins, out, options, where, int8):
    x, perm = dims(ins[0]), ints(options.perm)
    require(sorted(perm) == list(range(len(x))), f"{where}: perm {perm} is not a permutation of rank {len(x)}")
    require(dims(out) == [x[p] for p in perm], f"{where}: input {x} permuted by {perm} is not {dims(out)}")
