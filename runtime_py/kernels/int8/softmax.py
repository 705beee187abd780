"""SOFTMAX int8 along `axis`, with input 1 an INT32 table of 256 values
T[j] = round(2^20 * exp((j - 255) * x_scale)) built at export:
    e = T[x - max + 255]  (per row),  S = sum e  (int64),
    out = clamp((e * 256 + S // 2) // S + out_zp, -128, 127)
with the output scale 1/256 (and zero point -128) fixed by the exporter. The table is
checked first: values in [0, 2^24], T[255] >= 1 (so S > 0)."""
import numpy as np

from runtime_py.kernels.int8 import _checks


def softmax(x, table, out, *, q, axis):
    if table.min() < 0 or table.max() > (1 << 24) or table[255] < 1:
        raise ValueError("the SOFTMAX table must hold values in [0, 2^24] with entry 255 >= 1")
    x = x.astype(np.int64)
    e = table.astype(np.int64)[x - x.max(axis=axis, keepdims=True) + 255]
    total = e.sum(axis=axis, keepdims=True)
    out[...] = np.clip((e * 256 + total // 2) // total + q.out_zero_point, -128, 127)


def check(ins, out, quant, where):
    _checks.table(ins, "INT32", where)
