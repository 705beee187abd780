"""CONV_TRANSPOSE2D, NCHW: every input pixel scatters its kernel,
out[n, o, i*stride_h - pad_top + kh*dilation_h, j*stride_w - pad_left + kw*dilation_w]
    += x[n, c, i, j] * weight[c, o', kh, kw]   for c in o's group (o' = o mod O/groups),
positions outside the output dropped; then + bias[o], then the activation. The output's
(OH, OW) is whatever the output tensor says (output padding is implied); pad_bottom and
pad_right are not used.

x: (N, C, H, W); weight: (C, O/groups, KH, KW) (torch's layout); bias: (O,) or None;
out: (N, O, OH, OW)."""
import numpy as np

from runtime_py.kernels import _checks
from runtime_py.kernels._checks import MAX_ELEMENTS, dims, require
from runtime_py.kernels._common import apply_activation


def conv_transpose2d(x, weight, bias, out, *, stride_h=1, stride_w=1, pad_top=0, pad_left=0, pad_bottom=0,
                     pad_right=0, dilation_h=1, dilation_w=1, groups=1, activation=0):
    n, c, h, w = x.shape
    _, og, kh, kw = weight.shape
    _, o, oh, ow = out.shape
    cg = c // groups
    # cols[n, g, (o', kh, kw), i*W + j] = sum_c weight[g*C/g + c, o', kh, kw] * x[n, g*C/g + c, i, j]
    wg = weight.reshape(groups, cg, og * kh * kw).transpose(0, 2, 1)      # (G, O/g*KH*KW, C/g)
    cols = np.matmul(wg, x.reshape(n, groups, cg, h * w))                  # (N, G, O/g*KH*KW, H*W)
    cols = cols.reshape(n, o, kh, kw, h, w)
    y = np.zeros((n, o, oh, ow), x.dtype)   # float32; float64 for the int8 kernel's exact sums
    for a in range(kh):
        i0, i1, r0 = _inside(h, oh, stride_h, a * dilation_h - pad_top)
        for b in range(kw):
            j0, j1, q0 = _inside(w, ow, stride_w, b * dilation_w - pad_left)
            if i0 < i1 and j0 < j1:
                y[:, :, r0:r0 + (i1 - i0 - 1) * stride_h + 1:stride_h,
                  q0:q0 + (j1 - j0 - 1) * stride_w + 1:stride_w] += cols[:, :, a, b, i0:i1, j0:j1]
    if bias is not None:
        y += bias.reshape(1, o, 1, 1)
    out[...] = y
    apply_activation(out, activation)


def _inside(n_in, n_out, stride, offset):
    """The input positions [lo, hi) whose target i * stride + offset lies in [0, n_out), and
    the target of lo."""
    lo = max(0, -(offset // stride))                 # ceil(-offset / stride)
    hi = min(n_in, (n_out - 1 - offset) // stride + 1) if n_out > 0 else 0
    hi = max(lo, hi)
    return lo, hi, lo * stride + offset


def check(ins, out, options, where, int8):
    """Ranks 4; weight (C, O/groups, KH, KW) with C and O split by groups; the output's N
    and O (its height and width are free); bias (O,); strides and dilations >= 1, pads
    >= 0; the scattered span (H - 1) * stride + (KH - 1) * dilation within 2^40."""
    x, w, y, o = dims(ins[0]), dims(ins[1]), dims(out), options
    require(len(x) == 4 and len(w) == 4 and len(y) == 4, f"{where}: input, weight and output must be rank 4")
    require(o.groups >= 1 and x[1] % o.groups == 0 and w[0] == x[1],
            f"{where}: {x[1]} input channels, weight {w}, groups {o.groups} inconsistent")
    require(y[0] == x[0] and y[1] == w[1] * o.groups,
            f"{where}: output {y} must have {x[0]} images of {w[1] * o.groups} channels "
            f"(weight {w}, groups {o.groups})")
    require(o.strideH >= 1 and o.strideW >= 1 and o.dilationH >= 1 and o.dilationW >= 1,
            f"{where}: stride and dilation must be >= 1")
    require(min(o.padTop, o.padLeft, o.padBottom, o.padRight) >= 0, f"{where}: negative padding")
    for size, k, s, d in ((x[2], w[2], o.strideH, o.dilationH), (x[3], w[3], o.strideW, o.dilationW)):
        require(max(size - 1, 0) * s + max(k - 1, 0) * d <= MAX_ELEMENTS,
                f"{where}: {size} positions at stride {s} with {k} taps at dilation {d} span past 2^40")
    if len(ins) > 2 and ins[2] is not None:
        require(dims(ins[2]) == [y[1]], f"{where}: bias shape {dims(ins[2])} != [{y[1]}]")
    _checks.activation(options, where)
