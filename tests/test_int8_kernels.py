"""The int8 arithmetic and every Python int8 kernel against a straightforward integer
reference written here with Python ints (schema/README.md, "Integer arithmetic"),
exactly. The C kernels are held to the Python ones bit for bit in test_int8.py."""
import itertools

import numpy as np
import pytest

from exporter.quantize.params import multiplier
from runtime_py.kernels.int8 import QuantArgs
from runtime_py.kernels.int8._fixed import mbqm
from runtime_py.ops import INT8_KERNELS, KERNELS
from runtime_py.loader import OPCODE_NAMES

INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1
rng = np.random.default_rng(7)


# ---- the reference arithmetic, element by element ---------------------------------
def sat(x):
    return max(INT32_MIN, min(INT32_MAX, x))


def srdhm_ref(a, b):
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    return (ab + 2 ** 30) // 2 ** 31 if ab >= 0 else -((-ab + 2 ** 30 - 1) // 2 ** 31)


def rdpot_ref(x, e):
    """x / 2^e rounded half away from zero."""
    if e == 0:
        return x
    q = (abs(x) + (1 << (e - 1))) >> e
    return q if x >= 0 else -q


def mbqm_ref(x, m, s):
    return rdpot_ref(srdhm_ref(sat(sat(x) << max(s, 0)), m), max(-s, 0))


def rq_ref(acc, m, s, zp, lo=-128, hi=127):
    return max(lo, min(hi, mbqm_ref(int(acc), int(m), int(s)) + int(zp)))


def round_div_ref(x, n):
    q = (abs(x) + n // 2) // n
    return q if x >= 0 else -q


def random_multipliers(n, lo=1e-4, hi=2.0):
    pairs = [multiplier(r) for r in np.exp(rng.uniform(np.log(lo), np.log(hi), n))]
    return np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64)


def qargs(zps, out_zp, m, s, **kw):
    return QuantArgs(list(zps), out_zp, [None] * len(zps), None, np.asarray(m, np.int64),
                     np.asarray(s, np.int64), **kw)


def i8(shape):
    return rng.integers(-128, 128, shape).astype(np.int8)


# ---- arithmetic ---------------------------------------------------------------------
def test_fixed_point_matches_reference_on_edges_and_random_values():
    xs = [0, 1, -1, 2, -2, 3, -3, 2 ** 30, -2 ** 30, INT32_MAX, INT32_MIN, 12345, -12345, 255, -255]
    xs += list(rng.integers(INT32_MIN, INT32_MAX, 300))
    ms = [0, 1, 2 ** 30, 2 ** 31 - 1, INT32_MIN] + list(rng.integers(2 ** 30, 2 ** 31, 20))
    ss = [-31, -20, -8, -1, 0, 1, 5, 30]
    cases = list(itertools.product(xs[:15], ms[:5], ss)) + [
        (int(x), int(rng.choice(ms)), int(rng.choice(ss))) for x in xs]
    x, m, s = (np.array(c, np.int64) for c in zip(*cases))
    got = mbqm(x, m, s)
    want = [mbqm_ref(int(a), int(b), int(c)) for a, b, c in cases]
    assert got.tolist() == want


def test_multiplier_represents_the_real_factor():
    for real in [1e-9, 1e-5, 0.0123, 0.5, 0.999999, 1.0, 1.5, 7.25, 1000.0]:
        m, s = multiplier(real)
        for x in [1, 7, 100, 1000, -999, 12345]:
            assert abs(mbqm_ref(x, m, s) - x * real) <= 0.5 + 1e-6 * abs(x * real) + 1e-9, (real, x)
    assert multiplier(0.0) == (0, 0)


# ---- kernels --------------------------------------------------------------------------
def conv_ref(x, w, b, zx, zy, m, s, stride, pad, dil, groups, lo, hi):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    og = o // groups
    y = np.zeros((n, o, oh, ow), np.int64)
    for b_, oc, i, j in itertools.product(range(n), range(o), range(oh), range(ow)):
        acc = int(b[oc]) if b is not None else 0
        for ci, a, bb in itertools.product(range(cg), range(kh), range(kw)):
            r, q = i * stride + a * dil - pad, j * stride + bb * dil - pad
            if 0 <= r < h and 0 <= q < wd:
                acc += (int(x[b_, (oc // og) * cg + ci, r, q]) - zx) * int(w[oc, ci, a, bb])
        y[b_, oc, i, j] = rq_ref(acc, m[oc], s[oc], zy, lo, hi)
    return y


@pytest.mark.parametrize("stride,pad,dil,groups", [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (1, 1, 1, 4),
                                                   (2, 1, 1, 2)])
def test_conv2d(stride, pad, dil, groups):
    x = i8((2, 4, 6, 7))
    w = rng.integers(-127, 128, (4, 4 // groups, 3, 3)).astype(np.int8)
    b = rng.integers(-5000, 5000, 4).astype(np.int32)
    m, s = random_multipliers(4, 1e-4, 1e-2)
    zx, zy, lo, hi = -7, 3, -128 + 20, 100
    want = conv_ref(x, w, b, zx, zy, m, s, stride, pad, dil, groups, lo, hi)
    out = np.zeros(want.shape, np.int8)
    INT8_KERNELS["CONV2D"](x, w, b, None, out, q=qargs([zx, None, None], zy, m, s, act_min=lo, act_max=hi),
                           stride_h=stride, stride_w=stride, pad_top=pad, pad_left=pad, pad_bottom=pad,
                           pad_right=pad, dilation_h=dil, dilation_w=dil, groups=groups)
    assert out.tolist() == want.tolist()


def conv_transpose_ref(x, w, b, zx, zy, m, s, stride, pad, dil, groups, out_pad, lo, hi):
    """Each output element gathers the taps whose input position lands on it:
    oy = iy * stride - pad + kh * dil (ox likewise); m, s have one entry per channel."""
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    oh = (h - 1) * stride - 2 * pad + dil * (kh - 1) + 1 + out_pad
    ow = (wd - 1) * stride - 2 * pad + dil * (kw - 1) + 1 + out_pad
    cg = c // groups
    y = np.zeros((n, og * groups, oh, ow), np.int64)
    for b_, oc, i, j in itertools.product(range(n), range(og * groups), range(oh), range(ow)):
        acc = int(b[oc]) if b is not None else 0
        for ci, a, bb in itertools.product(range(cg), range(kh), range(kw)):
            r, q = i + pad - a * dil, j + pad - bb * dil        # iy * stride, ix * stride
            if r >= 0 and q >= 0 and r % stride == 0 and q % stride == 0 and r // stride < h and q // stride < wd:
                c_ = (oc // og) * cg + ci
                acc += (int(x[b_, c_, r // stride, q // stride]) - zx) * int(w[c_, oc % og, a, bb])
        y[b_, oc, i, j] = rq_ref(acc, m[oc], s[oc], zy, lo, hi)
    return y


@pytest.mark.parametrize("stride,pad,dil,groups,out_pad,per_channel,with_bias", [
    (1, 0, 1, 1, 0, True, True), (2, 1, 1, 1, 1, True, False), (2, 0, 2, 2, 0, False, True),
    (3, 1, 1, 2, 2, True, True), (1, 2, 2, 4, 0, False, False), (2, 1, 1, 4, 1, True, True)])
def test_conv_transpose2d(stride, pad, dil, groups, out_pad, per_channel, with_bias):
    """Multipliers per output channel (per-channel weight scales) or one (a per-tensor scale);
    output padding as a larger output; positions only the bias reaches (stride 3)."""
    x = i8((2, 4, 5, 4))
    w = rng.integers(-127, 128, (4, 8 // groups, 3, 3)).astype(np.int8)
    b = rng.integers(-20000, 20000, 8).astype(np.int32) if with_bias else None
    m, s = random_multipliers(8 if per_channel else 1, 1e-2, 4e-2)
    mo, so = (m, s) if per_channel else (np.repeat(m, 8), np.repeat(s, 8))
    zx, zy, lo, hi = 9, -5, -100, 110
    want = conv_transpose_ref(x, w, b, zx, zy, mo, so, stride, pad, dil, groups, out_pad, lo, hi)
    assert lo in want and hi in want and len(np.unique(want)) > 20   # the clamp binds, the values vary
    out = np.zeros(want.shape, np.int8)
    INT8_KERNELS["CONV_TRANSPOSE2D"](x, w, b, out, q=qargs([zx, None, None], zy, m, s, act_min=lo, act_max=hi),
                                     stride_h=stride, stride_w=stride, pad_top=pad, pad_left=pad, pad_bottom=pad,
                                     pad_right=pad, dilation_h=dil, dilation_w=dil, groups=groups)
    assert out.tolist() == want.tolist()


def test_fully_connected_and_batch_matmul():
    x, w = i8((3, 5, 9)), rng.integers(-127, 128, (6, 9)).astype(np.int8)
    b = rng.integers(-3000, 3000, 6).astype(np.int32)
    m, s = random_multipliers(6, 1e-4, 1e-2)
    out = np.zeros((3, 5, 6), np.int8)
    INT8_KERNELS["FULLY_CONNECTED"](x, w, b, out, q=qargs([11, None, None], -4, m, s))
    for i, j, n in itertools.product(range(3), range(5), range(6)):
        acc = int(b[n]) + sum((int(x[i, j, k]) - 11) * int(w[n, k]) for k in range(9))
        assert out[i, j, n] == rq_ref(acc, m[n], s[n], -4)
    a, bm = i8((2, 1, 3, 8)), i8((4, 8, 5))          # batch dims broadcast to (2, 4)
    m, s = random_multipliers(1, 1e-5, 1e-3)
    out = np.zeros((2, 4, 3, 5), np.int8)
    INT8_KERNELS["BATCH_MATMUL"](a, bm, out, q=qargs([-3, 9], 2, m, s))
    for p, r, i, j in itertools.product(range(2), range(4), range(3), range(5)):
        acc = sum((int(a[p, 0, i, k]) + 3) * (int(bm[r, k, j]) - 9) for k in range(8))
        assert out[p, r, i, j] == rq_ref(acc, m[0], s[0], 2)


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
def test_binary_with_broadcasting(op):
    a, b = i8((3, 1, 5)), i8((4, 1))
    if op == "MUL":
        m, s = random_multipliers(1, 1e-4, 1e-1)
        q = qargs([5, -9], 1, m, s, act_min=-100, act_max=120)
    else:
        m, s = random_multipliers(3, 1e-3, 0.5)
        q = qargs([5, -9], 1, m, s, act_min=-100, act_max=120, left_shift=20)
    out = np.zeros((3, 4, 5), np.int8)
    INT8_KERNELS[op](a, b, out, q=q)
    for i, j, k in itertools.product(range(3), range(4), range(5)):
        va, vb = int(a[i, 0, k]) - 5, int(b[j, 0]) + 9
        if op == "MUL":
            want = rq_ref(va * vb, m[0], s[0], 1, -100, 120)
        else:
            a1, b1 = mbqm_ref(va << 20, m[0], s[0]), mbqm_ref(vb << 20, m[1], s[1])
            want = rq_ref(a1 + (b1 if op == "ADD" else -b1), m[2], s[2], 1, -100, 120)
        assert out[i, j, k] == want, (i, j, k)


@pytest.mark.parametrize("count_include_pad,divisor", [(True, 0), (False, 0), (False, 3)])
def test_pools(count_include_pad, divisor):
    x = i8((1, 2, 5, 6))
    window = dict(kernel_h=3, kernel_w=2, stride_h=2, stride_w=2, pad_top=1, pad_left=1, pad_bottom=1,
                  pad_right=0, dilation_h=1, dilation_w=1)
    m, s = random_multipliers(1, 0.3, 3.0)
    oh, ow = (5 + 2 - 3) // 2 + 1, (6 + 1 - 2) // 2 + 1
    avg, mx = np.zeros((1, 2, oh, ow), np.int8), np.zeros((1, 2, oh, ow), np.int8)
    INT8_KERNELS["AVG_POOL2D"](x, avg, q=qargs([-20], 7, m, s), count_include_pad=count_include_pad,
                               divisor=divisor, **window)
    INT8_KERNELS["MAX_POOL2D"](x, mx, q=qargs([-20], 7, m, s), **window)
    for c, i, j in itertools.product(range(2), range(oh), range(ow)):
        vals = [int(x[0, c, r, q]) for r in range(i * 2 - 1, i * 2 + 2) for q in range(j * 2 - 1, j * 2 + 1)
                if 0 <= r < 5 and 0 <= q < 6]
        count = divisor or (6 if count_include_pad else len(vals))
        mean = round_div_ref(sum(v + 20 for v in vals), count)
        assert avg[0, c, i, j] == rq_ref(mean, m[0], s[0], 7)
        assert mx[0, c, i, j] == rq_ref(max(vals) + 20, m[0], s[0], 7)


def test_reduce_mean_concat_pad():
    x = i8((2, 3, 4))
    m, s = random_multipliers(1, 0.5, 2.0)
    out = np.zeros((2, 1, 4), np.int8)
    INT8_KERNELS["REDUCE_MEAN"](x, out, q=qargs([6], -2, m, s), axes=[1], keep_dims=True)
    for i, k in itertools.product(range(2), range(4)):
        assert out[i, 0, k] == rq_ref(round_div_ref(sum(int(x[i, j, k]) - 6 for j in range(3)), 3), m[0], s[0], -2)
    a, b = i8((2, 2, 3)), i8((2, 1, 3))
    m, s = random_multipliers(2, 0.2, 3.0)
    out = np.zeros((2, 3, 3), np.int8)
    INT8_KERNELS["CONCAT"](a, b, out, q=qargs([1, -50], 4, m, s), axis=1)
    assert out[:, :2].tolist() == [[[rq_ref(int(v) - 1, m[0], s[0], 4) for v in row] for row in blk] for blk in a]
    assert out[:, 2:].tolist() == [[[rq_ref(int(v) + 50, m[1], s[1], 4) for v in row] for row in blk] for blk in b]
    out = np.zeros((2, 5, 5), np.int8)
    INT8_KERNELS["PAD"](x, out, q=qargs([6], 6, [], [], fill=-17), pads=[0, 0, 1, 1, 0, 1])
    assert (out[:, 1:4, :4] == x).all() and (out[:, 0] == -17).all() and (out[:, :, 4] == -17).all()


def test_lookup_softmax_quantize_dequantize():
    x = np.arange(-128, 128, dtype=np.int8).reshape(4, 64)
    table = rng.integers(-128, 128, 256).astype(np.int8)
    out = np.zeros_like(x)
    INT8_KERNELS["SIGMOID"](x, table, out, q=qargs([0, None], 0, [], []))
    assert out.tolist() == [[int(table[int(v) + 128]) for v in row] for row in x]
    x = i8((3, 7))
    t32 = np.array([round(2 ** 20 * np.exp((j - 255) * 0.05)) for j in range(256)], np.int32)
    out = np.zeros_like(x)
    INT8_KERNELS["SOFTMAX"](x, t32, out, q=qargs([0, None], -128, [], []), axis=1)
    for i in range(3):
        e = [int(t32[int(v) - int(x[i].max()) + 255]) for v in x[i]]
        total = sum(e)
        assert out[i].tolist() == [max(-128, min(127, (v * 256 + total // 2) // total - 128)) for v in e]
    f = np.array([0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e9, -1e9, np.nan, np.inf, 0.049999, 0.05], np.float32)
    out = np.zeros(f.shape, np.int8)
    KERNELS[[k for k, v in OPCODE_NAMES.items() if v == "QUANTIZE"][0]](
        f, out, q=QuantArgs([None], 3, [None], np.float32(0.1), np.zeros(0), np.zeros(0)))
    want = []
    for v in f:
        if np.isnan(v):
            want.append(3)
            continue
        r = np.rint(np.float32(v) / np.float32(0.1))            # float32 division, half to even
        want.append(int(max(-128, min(127, max(-512, min(512, r)) + 3))))
    assert out.tolist() == want
    back = np.zeros(f.shape, np.float32)
    KERNELS[[k for k, v in OPCODE_NAMES.items() if v == "DEQUANTIZE"][0]](
        out, back, q=QuantArgs([3], None, [np.float32(0.1)], None, np.zeros(0), np.zeros(0)))
    assert back.tolist() == [np.float32(int(v) - 3) * np.float32(0.1) for v in out]
