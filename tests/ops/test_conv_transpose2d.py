"""CONV_TRANSPOSE2D against eager PyTorch in both runtimes: aten.convolution with transposed=True
(nn.ConvTranspose1d/2d, F.conv_transpose1d/2d with the weight as an input), the ONNX
ConvTranspose, the fused activation, and hostile options refused at load; the int8 kernel (a
program built in the IR) bit-identical in both runtimes, and its bad operands refused at load."""
import numpy as np
import onnx.helper as oh
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx.reference import ReferenceEvaluator

import runtime_py
from exporter import ExportError
from exporter.ir import Dim, Graph, Node, QParams
from exporter.memory_plan import plan
from exporter.passes import finish
from exporter.quantize.params import multiplier
from exporter.options import DynamicDim
from exporter.serialize import MethodSpec, serialize
from oplib import check_op
from spatial_lib import check_both, edited, onnx_program, refusals
from schema import fb


@pytest.mark.parametrize("cin,cout,k,stride,pad,out_pad,dil,groups,hw", [
    (4, 6, 3, 2, 1, 1, 1, 2, (5, 7)),          # groups, output padding, odd sizes
    (3, 5, 3, 1, 0, 0, 1, 1, (4, 4)),
    (2, 3, (3, 1), (2, 1), (1, 0), (1, 0), 1, 1, (6, 5)),
    (4, 4, 3, (1, 2), 2, (0, 1), 2, 1, (5, 6)),  # dilation
    (6, 6, 4, 2, 1, 0, 1, 6, (7, 9)),          # depthwise
    (4, 8, 3, 3, 0, 2, 1, 4, (3, 4)),          # a multiplier of 2 per group, stride past the kernel
    (8, 4, 1, 1, 0, 0, 1, 1, (17, 33)),        # pointwise, rows past the vector widths
    (3, 2, 2, 4, 0, 3, 1, 1, (2, 2)),          # stride past the kernel: positions only the bias reaches
    (5, 3, 5, 1, 2, 0, 1, 1, (1, 1)),          # one pixel, most taps padded away
    (64, 32, 4, 2, 1, 0, 1, 1, (16, 17)),      # the C runtime's GEMM in several pixel chunks
    (17, 33, 3, 2, 1, 1, 1, 1, (9, 8)),        # channel counts past the GEMM's tiles
])
def test_conv_transpose2d(cin, cout, k, stride, pad, out_pad, dil, groups, hw):
    torch.manual_seed(0)
    model = nn.ConvTranspose2d(cin, cout, k, stride, pad, out_pad, groups, dilation=dil)
    check_op(model, (torch.randn(2, cin, *hw),), "CONV_TRANSPOSE2D")


@pytest.mark.parametrize("act,fused", [(nn.ReLU(), "RELU"), (nn.ReLU6(), "CLAMP")])
def test_conv_transpose2d_fuses_the_activation(act, fused):
    model = nn.Sequential(nn.ConvTranspose2d(4, 6, 3, 2, 1, 1), act)
    ops = check_op(model, (torch.randn(2, 4, 5, 5) * 3,), "CONV_TRANSPOSE2D")
    assert fused not in ops, ops


@pytest.mark.parametrize("k,stride,pad,out_pad,dil,groups", [(3, 2, 1, 1, 1, 1), (4, 3, 0, 2, 2, 2),
                                                            (1, 1, 0, 0, 1, 4)])
def test_conv_transpose1d(k, stride, pad, out_pad, dil, groups):
    torch.manual_seed(1)
    model = nn.ConvTranspose1d(4, 8, k, stride, pad, out_pad, groups, dilation=dil)
    check_op(model, (torch.randn(2, 4, 17),), "CONV_TRANSPOSE2D")


def test_no_bias_and_unbatched():
    torch.manual_seed(2)
    check_op(nn.ConvTranspose2d(3, 5, 3, 2, bias=False), (torch.randn(1, 3, 6, 5),), "CONV_TRANSPOSE2D")
    check_op(nn.ConvTranspose2d(3, 5, 3, 2, 1), (torch.randn(3, 6, 5),), "CONV_TRANSPOSE2D")
    check_op(nn.ConvTranspose1d(3, 5, 3, 2), (torch.randn(3, 9),), "CONV_TRANSPOSE2D")


def test_weight_as_input():
    """The weight (and bias) computed in the graph: read from the arena."""
    torch.manual_seed(3)
    check_op(lambda x, w: F.conv_transpose2d(x, w * 2, stride=2, padding=1, output_padding=1, groups=2),
             (torch.randn(2, 4, 5, 6), torch.randn(4, 3, 3, 3)), "CONV_TRANSPOSE2D")
    check_op(lambda x, w, b: F.conv_transpose1d(x, w, b + 1, stride=3, dilation=2),
             (torch.randn(2, 3, 7), torch.randn(3, 2, 3), torch.randn(2)), "CONV_TRANSPOSE2D")


def test_empty_batch():
    torch.manual_seed(4)
    check_op(nn.ConvTranspose2d(2, 3, 3, 2), (torch.randn(0, 2, 4, 4),), "CONV_TRANSPOSE2D")


def test_dynamic_batch():
    torch.manual_seed(5)
    check_op(nn.ConvTranspose2d(8, 4, 4, 2, 1), (torch.randn(2, 8, 6, 6),), "CONV_TRANSPOSE2D",
             dynamic=[DynamicDim("batch", 0, 4)], extra_inputs=[(torch.randn(1, 8, 6, 6),), (torch.randn(4, 8, 6, 6),)])


def test_3d_with_a_computed_weight_is_refused_by_name():
    """A 3-D transposed convolution whose weight is computed in the graph (a constant one may
    be composed of other ops by ops_compose.py) is refused by name."""
    with pytest.raises(ExportError, match=r"3-D transposed convolution \(ConvTranspose3d\)"):
        check_op(lambda x, w: F.conv_transpose3d(x, w * 2), (torch.randn(1, 2, 3, 3, 3), torch.randn(2, 2, 2, 2, 2)),
                 "CONV_TRANSPOSE2D")


@pytest.mark.parametrize("activation", [fb.Activation.RELU, fb.Activation.RELU6])
def test_fused_activation(activation):
    """The options' activation (the exporter fuses none yet): set in the file, run in both runtimes."""
    torch.manual_seed(6)
    model, x = nn.ConvTranspose2d(6, 4, 3, 2, 1), torch.randn(1, 6, 5, 5) * 4

    def act(op, method):
        op.options.activation = activation
    data = edited(model, (x,), "CONV_TRANSPOSE2D", act)
    with torch.no_grad():
        want = model(x)
    want = (want.clamp(0, 6) if activation == fb.Activation.RELU6 else want.relu()).numpy()
    check_both(data, [x.numpy()], want)


def _set(**fields):
    def fn(op, method):
        for key, value in fields.items():
            setattr(op.options, key, value)
    return fn


@pytest.mark.parametrize("fields,message", [
    (dict(groups=0), "groups 0 inconsistent"),
    (dict(groups=3), "groups 3 inconsistent"),         # 4 input channels
    (dict(groups=2), "channels"),                       # the output then has 2 * 3 channels, not 3
    (dict(strideH=0), "stride and dilation must be >= 1"),
    (dict(dilationW=-1), "stride and dilation must be >= 1"),
    (dict(padLeft=-1), "negative padding"),
    (dict(activation=9), "activation 9"),
])
def test_bad_options_refused_by_both(fields, message):
    data = edited(nn.ConvTranspose2d(4, 3, 3, 2), (torch.randn(1, 4, 5, 5),), "CONV_TRANSPOSE2D", _set(**fields))
    py, c = refusals(data)
    assert py is not None and message in py, py
    assert c is not None and message in c, c


def test_span_past_2_40_refused_by_both():
    """A stride that would scatter 1000 rows past 2^40 positions: refused, never overflowed."""
    data = edited(nn.ConvTranspose2d(1, 1, 1), (torch.randn(1, 1, 1000, 1),), "CONV_TRANSPOSE2D",
                  _set(strideH=2 ** 31 - 1))
    for message in refusals(data):
        assert message is not None and "span past 2^40" in message, message


def test_bad_bias_refused_by_both():
    def fn(op, method):
        op.inputs = [op.inputs[0], op.inputs[1], op.inputs[0]]   # the input as the bias
    data = edited(nn.ConvTranspose2d(4, 3, 3, 2), (torch.randn(1, 4, 5, 5),), "CONV_TRANSPOSE2D", fn)
    for message in refusals(data):
        assert message is not None and "bias" in message, message


# ---- ONNX ConvTranspose --------------------------------------------------------------------
def _onnx_case(x_shape, w_shape, out_shape, bias=True, weight_input=False, **attrs):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    b = rng.standard_normal(w_shape[1] * attrs.get("group", 1), dtype=np.float32)
    inputs, constants = {"x": x}, {}
    (inputs if weight_input else constants)["w"] = w
    if bias:
        constants["b"] = b
    data = onnx_program("ConvTranspose", inputs, out_shape, constants, **attrs)
    feeds = {"x": x, "w": w, **({"b": b} if bias else {})}
    names = ["x", "w"] + (["b"] if bias else [])
    node = oh.make_node("ConvTranspose", names, ["y"], **attrs)
    graph = oh.make_graph([node], "g", [oh.make_tensor_value_info(n, 1, v.shape) for n, v in feeds.items()],
                          [oh.make_tensor_value_info("y", 1, None)])
    want = ReferenceEvaluator(oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])).run(None, feeds)[0]
    assert list(want.shape) == list(out_shape)
    check_both(data, [x] + ([w] if weight_input else []), want.astype(np.float32))


@pytest.mark.parametrize("x_shape,w_shape,out_shape,attrs", [
    ((1, 2, 3, 4), (2, 3, 3, 3), (1, 3, 6, 8), dict(strides=[2, 2], auto_pad="SAME_UPPER")),
    ((1, 2, 3, 4), (2, 3, 3, 3), (1, 3, 6, 8), dict(strides=[2, 2], auto_pad="SAME_LOWER")),
    ((1, 2, 3, 3), (2, 3, 4, 4), (1, 3, 9, 9), dict(strides=[3, 3], auto_pad="SAME_UPPER", dilations=[2, 1])),
    ((1, 2, 4, 4), (2, 3, 3, 3), (1, 3, 9, 9), dict(strides=[2, 2], auto_pad="VALID")),
    ((1, 2, 3, 3), (2, 3, 3, 3), (1, 3, 10, 8), dict(strides=[3, 2], output_shape=[10, 8])),
    ((1, 2, 5), (2, 3, 3), (1, 3, 10), dict(strides=[2], pads=[1, 0], dilations=[1])),
    ((1, 2, 5), (2, 3, 3), (1, 3, 10), dict(strides=[2], auto_pad="SAME_UPPER")),
])
def test_onnx_conv_transpose(x_shape, w_shape, out_shape, attrs):
    _onnx_case(x_shape, w_shape, out_shape, **attrs)


def test_onnx_conv_transpose_groups():
    """Groups of 2 input and 3 output channels against torch (onnx's reference evaluator,
    mended for them by reference_fixes.py, is what the importer traces with): pads [1, 0]
    before, output padding 1, as torch's padding 0 with the first row cropped."""
    rng = np.random.default_rng(8)
    x, w, b = (rng.standard_normal(s, dtype=np.float32) for s in ((2, 4, 3, 5), (4, 3, 3, 2), (6,)))
    data = onnx_program("ConvTranspose", {"x": x}, (2, 6, 7, 11), {"w": w, "b": b}, strides=[2, 2],
                        pads=[1, 0, 0, 0], output_padding=[1, 1], group=2)
    full = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), 2, 0, 1, 2).numpy()
    check_both(data, [x], full[:, :, 1:, :])


def test_onnx_conv_transpose_weight_input_no_bias():
    _onnx_case((1, 3, 4, 4), (3, 2, 3, 3), (1, 2, 9, 9), bias=False, weight_input=True, strides=[2, 2])
    _onnx_case((1, 3, 6), (3, 2, 4), (1, 2, 9), bias=False, weight_input=True, strides=[1])


def test_onnx_conv_transpose_3d_refused():
    with pytest.raises(ExportError, match="3-D ConvTranspose"):
        onnx_program("ConvTranspose", {"x": np.zeros((1, 1, 2, 2, 2), np.float32)}, (1, 1, 4, 4, 4),
                     {"w": np.zeros((1, 1, 3, 3, 3), np.float32)})


# ---- int8 (a program built directly in the IR: the rewrite emits it separately) --------------
def _pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


def _int8_program(x_shape, cout, k, stride, pad, out_pad, dil, groups, per_channel=True, bias=True, seed=0,
                  edit=None, extreme=False):
    """x (float32, on x's int8 grid) -> QUANTIZE -> int8 CONV_TRANSPOSE2D (INT8 weight per tensor or
    along axis 1, INT32 bias) -> DEQUANTIZE: (program bytes, x, the float reference: torch's
    conv_transpose2d of the dequantized operands, the output scale). `edit(graph, node)` spoils
    the operator before serialization; `extreme`: every x - x_zp 255 and every weight 127."""
    rng = np.random.default_rng(seed)
    n, cin, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw), (oph, opw), (dh, dw) = map(_pair, (k, stride, pad, out_pad, dil))
    og = cout // groups
    oh, ow = (h - 1) * sh - 2 * ph + dh * (kh - 1) + 1 + oph, (w - 1) * sw - 2 * pw + dw * (kw - 1) + 1 + opw
    x_scale, x_zp = np.float32(0.03), -128 if extreme else 7
    xq = np.full(x_shape, 127) if extreme else rng.integers(-128, 128, x_shape)
    x = ((xq - x_zp) * x_scale).astype(np.float32)
    wf = np.ones((cin, og, kh, kw)) if extreme else rng.standard_normal((cin, og, kh, kw))
    amax = np.abs(wf).max(axis=(0, 2, 3)) if per_channel else np.full(og, np.abs(wf).max())
    w_scale = (amax / 127).astype(np.float32)                               # (O/g,): channel o uses o % (O/g)
    wq = np.clip(np.round(wf / w_scale.reshape(1, og, 1, 1)), -127, 127).astype(np.int8)
    o_scale = np.tile(x_scale * w_scale, groups)                             # (O,)
    bq = np.round(rng.standard_normal(cout) * 2 / o_scale).astype(np.int32) if bias else None
    ref = F.conv_transpose2d(torch.from_numpy(x.astype(np.float64)),
                             torch.from_numpy(wq * w_scale.astype(np.float64).reshape(1, og, 1, 1)),
                             None if bq is None else torch.from_numpy(bq * o_scale.astype(np.float64)),
                             (sh, sw), (ph, pw), (oph, opw), groups, (dh, dw)).numpy()
    assert ref.shape == (n, cout, oh, ow), ref.shape
    y_scale, y_zp = np.float32(np.abs(ref).max() / 100), -3                 # the clamp never binds
    pairs = [multiplier(r) for r in (o_scale / y_scale if per_channel else o_scale[:1] / y_scale)]

    g = Graph()
    dims = lambda *s: [Dim.static(v) for v in s]                             # noqa: E731
    xt = g.add_tensor("x", np.float32, dims(*x_shape), exact=True)
    xqt = g.add_tensor("xq", np.int8, dims(*x_shape), exact=True)
    g.tensors[xqt].quant = QParams(np.array([x_scale], np.float32), np.array([x_zp], np.int64))
    wt = g.add_constant("w", wq)
    g.tensors[wt].quant = QParams(w_scale if per_channel else w_scale[:1], np.zeros(og if per_channel else 1, np.int64),
                                  1 if per_channel else -1)
    bt = g.add_constant("b", bq) if bias else None
    yqt = g.add_tensor("yq", np.int8, dims(n, cout, oh, ow), exact=True)
    g.tensors[yqt].quant = QParams(np.array([y_scale], np.float32), np.array([y_zp], np.int64))
    yt = g.add_tensor("y", np.float32, dims(n, cout, oh, ow), exact=True)
    g.nodes.append(Node("QUANTIZE", [xt], [xqt]))
    node = Node("CONV_TRANSPOSE2D", [xqt, wt, bt], [yqt],
                dict(stride_h=sh, stride_w=sw, pad_top=ph, pad_left=pw, pad_bottom=ph, pad_right=pw,
                     dilation_h=dh, dilation_w=dw, groups=groups),
                quant={"multiplier": [p[0] for p in pairs], "shift": [p[1] for p in pairs],
                       "act_min": -128, "act_max": 127})
    g.nodes.append(node)
    g.nodes.append(Node("DEQUANTIZE", [yqt], [yt]))
    g.inputs, g.outputs = [xt], [yt]
    if edit is not None:
        edit(g, node)
    plan(finish(g))
    return serialize([MethodSpec("forward", g)], {}), x, ref.astype(np.float32), float(y_scale)


@pytest.mark.parametrize("x_shape,cout,k,stride,pad,out_pad,dil,groups,per_channel,bias", [
    ((2, 4, 5, 7), 6, 3, 2, 1, 1, 1, 2, True, True),           # groups, stride 2, output padding
    ((1, 3, 4, 6), 5, 3, 1, 0, 0, 2, 1, False, True),          # dilation 2, a per-tensor weight scale
    ((1, 20, 9, 17), 18, 4, 2, 1, 0, 1, 1, True, False),       # past 16 channels and positions, no bias
    ((2, 6, 3, 4), 6, 3, 3, 1, 2, 1, 6, True, True),           # depthwise; positions only the bias reaches
    ((1, 4, 5, 6), 6, (3, 2), (1, 3), (1, 0), (0, 2), (2, 1), 2, True, True),   # per-axis strides
    ((1, 8, 3, 300), 4, 1, 1, 0, 0, 1, 1, True, True),         # rows past the C kernel's 256-column chunk
    ((1, 4200, 1, 1), 2, 4, 1, 0, 0, 1, 1, True, True),        # 67200 taps: the C kernel's int64 sums
])
def test_int8_both_runtimes_bit_identical(x_shape, cout, k, stride, pad, out_pad, dil, groups, per_channel, bias):
    data, x, ref, y_scale = _int8_program(x_shape, cout, k, stride, pad, out_pad, dil, groups, per_channel, bias)
    program = runtime_py.load(data)
    assert program.method("forward").precisions == ["convert", "int8", "convert"]
    got = program.run("forward", x)[0]
    c_got = runtime_py.load(data, backend="c").run("forward", x)[0]
    np.testing.assert_array_equal(c_got, got)
    assert np.unique(got).size > 10
    # rounding x and w was exact here; the output's rounding and the multiplier's cost about 1 step
    np.testing.assert_allclose(got, ref, rtol=0, atol=1.5 * y_scale)


def test_int8_accumulator_past_int32_saturates_in_both():
    """67000 taps of 255 * 127 per output: the exact sum (2.17e9) passes INT32_MAX, so both
    runtimes saturate it before requantizing (schema/README.md), never wrap."""
    data, x, ref, y_scale = _int8_program((1, 67000, 1, 3), 1, 1, 1, 0, 0, 1, 1, bias=False, extreme=True)
    got = runtime_py.load(data).run("forward", x)[0]
    np.testing.assert_array_equal(runtime_py.load(data, backend="c").run("forward", x)[0], got)
    exact = 67000 * 255 * 127
    assert exact > 2 ** 31 - 1 and np.all(got == got.flat[0])
    # the saturated sum, 1.3% below the exact one: about 1.3 steps of the output's 100
    assert ref.flat[0] * (2 ** 31 - 1) / exact - 1.01 * y_scale <= got.flat[0] < ref.flat[0] - 0.5 * y_scale


def _zero_points(g, node):
    g.tensors[node.inputs[1]].quant.zero_point[:] = 1


def _weight_axis_0(g, node):
    w = g.tensors[node.inputs[1]]
    w.quant = QParams(np.full(4, 0.01, np.float32), np.zeros(4, np.int64), 0)


def _float_bias(g, node):
    node.inputs[2] = g.add_constant("bf", np.zeros(6, np.float32))


def _multipliers(count, bias=True):
    def fn(g, node):
        node.quant["multiplier"], node.quant["shift"] = [1 << 30] * count, [-5] * count
        if not bias:
            node.inputs[2] = None
    return fn


def _no_quant_params(g, node):
    node.quant = None


def _groups(g, node):
    node.options["groups"] = 3


@pytest.mark.parametrize("edit,py_message,c_message", [
    (_zero_points, "symmetric", "symmetric"),
    (_weight_axis_0, "axis 1", "axis 1"),
    (_float_bias, "INT32", "INT32"),
    (_multipliers(4), "needs 1 or 6 multipliers, has 4", "needs 1 or 6 multipliers, has 4"),
    (_multipliers(4, bias=False), "needs 1 or 6 multipliers, has 4", "needs 1 or 6 multipliers"),
    (_multipliers(12), "needs 1 or 6 multipliers, has 12", "needs 1 or 6 multipliers, has 12"),
    (_no_quant_params, "without QuantParams", "needs 1 or 6 multipliers"),
    (_groups, "groups 3 inconsistent", "groups 3 inconsistent"),   # the float op's shape rules
])
def test_int8_bad_operator_refused_by_both(edit, py_message, c_message):
    data = _int8_program((1, 4, 3, 3), 6, 3, 2, 1, 1, 1, 2, edit=edit)[0]
    py, c = refusals(data)
    assert py is not None and py_message in py, py
    assert c is not None and c_message in c, c


def test_int8_multipliers_of_another_group_count():
    """Without a bias, 3 multipliers (O/groups, as if groups were 1) for 6 output channels:
    both loaders refuse the file."""
    data = _int8_program((1, 4, 3, 3), 6, 3, 2, 1, 1, 1, 2, edit=_multipliers(3, bias=False))[0]
    py, c = refusals(data)
    assert py is not None and "needs 1 or 6 multipliers, has 3" in py, py
    assert c is not None and "needs 1 or 6 multipliers, has 3" in c, c
