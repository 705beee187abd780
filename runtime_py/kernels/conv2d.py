"""CONV2D, NCHW: out[n, o, i, j] = bias[o] + sum over c in o's group, kh, kw of
x_padded[n, c, i*stride_h + kh*dilation_h, j*stride_w + kw*dilation_w] * weight[o, c, kh, kw]
(+ residual[n, o, i, j]), then the activation.

x: (N, C, H, W); weight: (O, C/groups, KH, KW); bias: (O,) or None; residual: out's shape
or None (a fused skip connection, added after the bias); out: (N, O, OH, OW)."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import MAX_ELEMENTS, dims, pooled, require
from runtime_py.kernels._common import apply_activation


def conv2d(x, weight, bias, residual, out, *, stride_h=1, stride_w=1, pad_top=0, pad_left=0,
           pad_bottom=0, pad_right=0, dilation_h=1, dilation_w=1, groups=1, activation=0):
    n, c, h, wd = x.shape
    o, cg, kh, kw = weight.shape
    _, _, oh, ow = out.shape
    if kh == kw == 1 and stride_h == stride_w == 1 and not (pad_top or pad_left or pad_bottom or pad_right) \
            and groups == 1:
        # pointwise: one matrix product per image, no window copy
        y = np.matmul(weight.reshape(o, c), x.reshape(n, c, h * wd)).reshape(n, o, oh, ow)
        _finish(y, bias, residual, out, activation)
        return
    xp = np.pad(x, ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right)))
    sn, sc, sh, sw = xp.strides
    # windows: (N, C, OH, OW, KH, KW), a strided view, no copy yet
    win = as_strided(xp, (n, c, oh, ow, kh, kw),
                     (sn, sc, sh * stride_h, sw * stride_w, sh * dilation_h, sw * dilation_w),
                     writeable=False)
    og = o // groups
    if cg == 1 and og == 1:
        # depthwise: each tap is one multiply-add over the whole (N, C, OH, OW) tensor
        # (products into one reused buffer: no temporary array per tap)
        y, tmp = np.zeros((n, o, oh, ow), np.float32), np.empty((n, o, oh, ow), np.float32)
        for i in range(kh):
            for j in range(kw):
                np.multiply(win[:, :, :, :, i, j], weight[:, 0, i, j].reshape(1, o, 1, 1), out=tmp)
                y += tmp
        _finish(y, bias, residual, out, activation)
        return
    # cols: tap-major (G, C/G*KH*KW, N*OH*OW), each row one (N, OH, OW) slab of the padded
    # input (a copy along its rows, not a gather per position); w (G, O/G, C/G*KH*KW) @ cols
    cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(groups, cg * kh * kw, n * oh * ow)
    w = weight.reshape(groups, og, cg * kh * kw)
    y = np.matmul(w, cols)                                   # (G, O/G, N*OH*OW)
    y = y.reshape(groups, og, n, oh, ow).transpose(2, 0, 1, 3, 4).reshape(n, o, oh, ow)
    _finish(y, bias, residual, out, activation)


def _finish(y, bias, residual, out, activation):
    if bias is not None:
        np.add(y, bias.reshape(1, -1, 1, 1), out=out)
    else:
        out[...] = y
    if residual is not None:
        out += residual
    apply_activation(out, activation)


def check(ins, out, options, where, int8):
    """Ranks, groups, stride, dilation and padding; the output's shape; bias (O,); a
    residual (float only) of the output's shape; the activation."""
    x, w, y, o = dims(ins[0]), dims(ins[1]), dims(out), options
    require(len(x) == 4 and len(w) == 4 and len(y) == 4, f"{where}: input, weight and output must be rank 4")
    require(o.groups >= 1 and x[1] % o.groups == 0 and w[0] % o.groups == 0 and w[1] * o.groups == x[1],
            f"{where}: {x[1]} input channels, weight {w}, groups {o.groups} inconsistent")
    require(o.strideH >= 1 and o.strideW >= 1 and o.dilationH >= 1 and o.dilationW >= 1,
            f"{where}: stride and dilation must be >= 1")
    require(min(o.padTop, o.padLeft, o.padBottom, o.padRight) >= 0, f"{where}: negative padding")
    require(all(k <= 1 or d <= MAX_ELEMENTS // (k - 1) for k, d in ((w[2], o.dilationH), (w[3], o.dilationW))),
            f"{where}: dilation ({o.dilationH}, {o.dilationW}) spreads the kernel past 2^40")
    want = [x[0], w[0], pooled(x[2], w[2], o.strideH, o.padTop, o.padBottom, o.dilationH),
            pooled(x[3], w[3], o.strideW, o.padLeft, o.padRight, o.dilationW)]
    require(y == want, f"{where}: output shape {y}, expected {want}")
    if len(ins) > 2 and ins[2] is not None:
        require(dims(ins[2]) == [w[0]], f"{where}: bias shape {dims(ins[2])} != [{w[0]}]")
    if len(ins) > 3 and ins[3] is not None:
        require(not int8 and dims(ins[3]) == y, f"{where}: a residual must be FLOAT32 with the output's shape {y}")
    _checks.activation(options, where)
