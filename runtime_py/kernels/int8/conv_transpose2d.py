"""CONV_TRANSPOSE2D int8, NCHW: every input pixel scatters its kernel, as the float op,
  acc[n, o, oy, ox] = bias[o] + sum (x[n, c, iy, ix] - x_zp) * w[c, o', kh, kw]
over c in o's group (o' = o mod O/groups), kh, kw and the input positions with
oy = iy*stride_h - pad_top + kh*dilation_h (ox likewise); acc is exact (int64) before
requantization: out = requantize(acc, m[o], s[o]) within [act_min, act_max] (the fused
activation). Weight (C, O/groups, KH, KW) INT8 symmetric, per tensor or per axis 1 (its
O/groups scales: channel o uses scale o'); bias INT32 (O,) at x_scale * w_scale[o'];
one multiplier, or one per output channel o."""
import numpy as np

from runtime_py.errors import ExecutionError
from runtime_py.kernels._checks import dims, require
from runtime_py.kernels.conv_transpose2d import conv_transpose2d as conv_transpose2d_f
from runtime_py.kernels.int8 import _checks
from runtime_py.kernels.int8._fixed import requantize
from schema import fb


def conv_transpose2d(x, weight, bias, out, *, q, activation=0, **window):
    # float64 holds every partial sum exactly (|acc| < 2^53), so the float kernel's
    # matmul and scatter compute the exact integer sum.
    acc = np.empty(out.shape, np.float64)
    conv_transpose2d_f(x.astype(np.float64) - q.zero_points[0], weight.astype(np.float64), None, acc, **window)
    acc = acc.astype(np.int64)
    o = out.shape[1]
    if len(q.multiplier) not in (1, o):   # the loader checks it where the bias names O
        raise ExecutionError(f"int8 CONV_TRANSPOSE2D: {len(q.multiplier)} multipliers for {o} channels")
    if bias is not None:
        acc += bias.astype(np.int64).reshape(1, o, 1, 1)
    m = np.broadcast_to(q.multiplier, (o,)).reshape(1, o, 1, 1)
    s = np.broadcast_to(q.shift, (o,)).reshape(1, o, 1, 1)
    out[...] = requantize(acc, m, s, q.out_zero_point, q.act_min, q.act_max)


def check(ins, out, quant, where):
    """A quantized INT8 input; the weight INT8 symmetric, per tensor or along axis 1
    (O/groups channels); 1 or O multipliers (O the output's channels); an INT32 bias. The
    shapes and options are the float op's check (run after this one)."""
    mult = _checks.requantized(ins[:1], quant, where)
    w, b = ins[1], ins[2] if len(ins) > 2 else None
    _checks.symmetric_weight(w, (1,), where)
    y = dims(out)
    require(len(dims(w)) == 4 and len(dims(ins[0])) == 4 and len(y) == 4,
            f"{where}: input, weight and output must be rank 4")
    require(b is None or b.dtype == fb.DType.INT32, f"{where}: int8 bias must be INT32")
    require(len(mult) in (1, y[1]), f"{where}: needs 1 or {y[1]} multipliers, has {len(mult)}")
