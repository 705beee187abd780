"""The Vulkan backend (runtime_c/vulkan, runtime_py/vulkan_backend.py; docs/gpu.md) on
lavapipe, Mesa's Vulkan driver on the CPU, under the Khronos validation layer: any message
it reports (leaked objects at destroy included) fails the test.

Every op the backend runs is checked against the C runtime on small shapes that cross the
shaders' edges (64 invocations per workgroup, four BOOL outputs per invocation, the GEMM's
32 x 32 tiles and 16-deep K steps, the PANELS16 weight's 16-row panels, a row reduction's 64
lanes) within the documented bound, numpy's allclose with atol = rtol = 1e-5 (summation
orders differ from the C kernels'; BOOL and integer outputs exactly); every float zoo
program matches the C runtime and passes its bundled test case; repeated runs give
identical outputs; errors (an op the backend lacks, no loader, no driver, a GATHER index out
of range) are one status and one message, never a crash.

VK_DRIVER_FILES pins lavapipe for this process before anything loads Vulkan. The tests
skip only where lavapipe, the loader, the validation layer or glslc is missing and the CI
environment variable is unset (they print why); under CI they fail instead.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess

import numpy as np
import pytest
import torch
from torch import nn

import runtime_py
from exporter import export_module

LVP_ICD = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
VALIDATION_JSON = "/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATOL = RTOL = 1e-5     # the GPU against the C runtime, float32 ops (docs/gpu.md)

if os.path.exists(LVP_ICD):
    os.environ["VK_DRIVER_FILES"] = LVP_ICD   # before any Vulkan loader reads it


def _missing() -> list[str]:
    why = []
    if not os.path.exists(LVP_ICD):
        why.append(f"lavapipe's manifest {LVP_ICD} (Debian: mesa-vulkan-drivers)")
    try:
        ctypes.CDLL("libvulkan.so.1")
    except OSError:
        why.append("the Vulkan loader libvulkan.so.1 (Debian: libvulkan1)")
    if not os.path.exists(VALIDATION_JSON):
        why.append("the Khronos validation layer (Debian: vulkan-validationlayers)")
    for tool, package in (("glslc", "glslc"), ("spirv-val", "spirv-tools")):
        if shutil.which(tool) is None:
            why.append(f"{tool} (Debian: {package})")
    return why


@pytest.fixture(scope="module", autouse=True)
def vulkan_built():
    missing = _missing()
    if missing:
        reason = "no Vulkan driver can be used here: missing " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: the GPU tests must run; `make apt` installs them)")
        print(f"\ntest_vulkan: skipped: {reason}")
        pytest.skip(reason)
    r = subprocess.run(["make", "--no-print-directory", "-C", os.path.join(ROOT, "runtime_c"), "vulkan"],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"make -C runtime_c vulkan failed:\n{r.stdout}\n{r.stderr}"


def gpu(data):
    from runtime_py.vulkan_backend import VulkanProgram
    return VulkanProgram(data, allow_cpu=True, validation=True)


def check(model, inputs, ops=None, data=None):
    """Export `model` (or take the program `data`), run it on the GPU and on the C runtime:
    float outputs within ATOL/RTOL, others equal, a second GPU run bit-identical, no
    validation message up to the context's destroy. `ops`: the operator list, or a set the
    list must hold."""
    data = data if data is not None else export_module(model.eval(), tuple(inputs))
    if ops is not None:
        operators = runtime_py.load(data).method().operators
        assert operators == ops if isinstance(ops, list) else ops <= set(operators), operators
    arrays = [t.numpy() for t in inputs]
    want = runtime_py.load(data, backend="c").run("forward", *arrays)
    program = gpu(data)
    try:
        assert program.device_type == "cpu" and "llvmpipe" in program.device_name
        got = program.run("forward", *arrays)
        again = program.run("forward", *arrays)
        assert len(got) == len(want)
        for i, (g, w, a) in enumerate(zip(got, want, again)):
            assert g.shape == w.shape and g.dtype == w.dtype, f"output {i}"
            if g.dtype == np.float32:
                np.testing.assert_allclose(g, w, atol=ATOL, rtol=RTOL, err_msg=f"output {i}: GPU vs C runtime")
            else:
                np.testing.assert_array_equal(g, w, err_msg=f"output {i}: GPU vs C runtime")
            np.testing.assert_array_equal(g, a, err_msg=f"output {i}: a second run differs")
        assert program.validation_messages == 0
        method = program.method()
    finally:
        program.close()   # raises if the validation layer reported anything (leaks included)
    return method


# ---- FULLY_CONNECTED ------------------------------------------------------------------
class Linear(nn.Module):
    def __init__(self, k, n, bias=True, act=None):
        super().__init__()
        self.fc, self.act = nn.Linear(k, n, bias=bias), act

    def forward(self, x):
        y = self.fc(x)
        return self.act(y) if self.act is not None else y


@pytest.mark.parametrize("rows,k,n,bias,act", [
    ((1,), 1, 1, True, None),
    ((3,), 7, 16, True, torch.relu),          # one whole PANELS16 panel
    ((5,), 17, 33, False, None),              # two panels and a tail row
    ((2,), 64, 17, True, torch.relu),         # K = one whole 64-wide tile
    ((4,), 65, 65, True, None),               # K and N one past the tile
    ((1,), 130, 7, True, None),               # three K tiles, fewer than 16 rows (row-major)
    ((2, 3), 33, 130, True, None),            # rank-3 input: 6 rows (RESHAPE views around it)
])
def test_fully_connected(rows, k, n, bias, act):
    torch.manual_seed(k * 131 + n)
    ops = ["FULLY_CONNECTED"] if len(rows) == 1 else ["RESHAPE", "FULLY_CONNECTED", "RESHAPE"]
    check(Linear(k, n, bias, act), (torch.randn(*rows, k),), ops)


# ---- CONV2D ---------------------------------------------------------------------------
class Conv(nn.Module):
    def __init__(self, cin, cout, k, stride, pad, dil, groups, bias, act):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, dil, groups=groups, bias=bias)
        self.act = act

    def forward(self, x):
        y = self.conv(x)
        return self.act(y) if self.act is not None else y


@pytest.mark.parametrize("n,cin,cout,k,stride,pad,dil,groups,hw,bias,act", [
    (1, 3, 8, 3, 1, 1, 1, 1, (8, 8), True, None),           # 64 outputs per plane: one workgroup each
    (2, 4, 6, 3, 2, 1, 1, 2, (9, 17), False, torch.relu),   # groups, stride 2: 5 x 9 outputs
    (1, 16, 16, 3, 1, 1, 1, 16, (7, 7), True, torch.relu),  # depthwise, 49 per plane
    (1, 5, 7, 5, 1, 2, 2, 1, (13, 11), True, None),         # dilation 2
    (2, 3, 17, 1, 1, 0, 1, 1, (1, 33), True, None),         # 1x1, 33 wide
    (1, 2, 3, (3, 2), (2, 1), (0, 2), 1, 1, (16, 5), True, None),   # asymmetric kernel, stride, padding
])
def test_conv2d(n, cin, cout, k, stride, pad, dil, groups, hw, bias, act):
    torch.manual_seed(cin * 7 + cout)
    check(Conv(cin, cout, k, stride, pad, dil, groups, bias, act), (torch.randn(n, cin, *hw),), ["CONV2D"])


class Residual(nn.Module):
    def __init__(self, c, k, groups):
        super().__init__()
        self.conv = nn.Conv2d(c, c, k, 1, k // 2, groups=groups)

    def forward(self, x):
        return torch.relu(self.conv(x) + x)


@pytest.mark.parametrize("c,k,groups,hw", [(8, 3, 1, (9, 13)), (16, 3, 16, (5, 17))])
def test_conv2d_fused_residual(c, k, groups, hw):
    torch.manual_seed(c + k)
    check(Residual(c, k, groups), (torch.randn(2, c, *hw),), ["CONV2D"])


# ---- elementwise ----------------------------------------------------------------------
class Binary(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, a, b):
        return self.fn(a, b)


@pytest.mark.parametrize("op,fn", [("ADD", torch.add), ("SUB", torch.sub), ("MUL", torch.mul),
                                   ("DIV", torch.div)])
@pytest.mark.parametrize("sa,sb", [((7,), (1,)), ((3, 1, 5), (4, 1)), ((2, 17, 33), (33,)),
                                   ((65,), (65,)), ((1, 2, 1, 3, 1, 2, 1, 9), (2, 1, 3, 4, 1, 1, 9))])
def test_binary_broadcast(op, fn, sa, sb):
    g = torch.Generator().manual_seed(len(sa) * 10 + len(sb))
    a, b = torch.randn(sa, generator=g), torch.randn(sb, generator=g)
    if op == "DIV":
        b = torch.where(b.abs() < 0.1, torch.full_like(b, 0.5), b)   # keep quotients moderate
    check(Binary(fn), (a, b), [op])


class AddRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(17, 1))   # a constant operand, broadcast

    def forward(self, x):
        return torch.relu(x + self.w)


def test_add_fused_relu_constant_operand():
    torch.manual_seed(3)
    check(AddRelu(), (torch.randn(2, 17, 33),), ["ADD"])


class Unary(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


@pytest.mark.parametrize("op,fn", [("RELU", torch.relu), ("TANH", torch.tanh)])
@pytest.mark.parametrize("shape", [(1,), (7,), (64,), (65,), (3, 5, 33)])
def test_unary(op, fn, shape):
    g = torch.Generator().manual_seed(sum(shape))
    x = torch.randn(shape, generator=g) * 4   # tanh: both branches (|x| below and above 0.625) and saturation
    check(Unary(fn), (x,), [op])


def test_tanh_branch_edges():
    x = torch.tensor([0.0, -0.0, 0.6249, 0.625, 0.6251, -0.625, 1e-8, -3.0, 8.9, 9.0, 9.5, -20.0, 1e-30])
    check(Unary(torch.tanh), (x,), ["TANH"])


# ---- pooling --------------------------------------------------------------------------
@pytest.mark.parametrize("pool", [
    nn.MaxPool2d(2),
    nn.MaxPool2d(3, 2, 1),
    nn.MaxPool2d(3, 1, 1, dilation=2),
    nn.MaxPool2d((2, 3), (1, 2), (1, 0), ceil_mode=True),
    nn.AvgPool2d(2),
    nn.AvgPool2d(3, 2, 1, count_include_pad=True),
    nn.AvgPool2d(3, 2, 1, count_include_pad=False),
    nn.AvgPool2d(3, 1, 1, divisor_override=5),
])
@pytest.mark.parametrize("shape", [(1, 1, 8, 8), (2, 3, 9, 17)])
def test_pool2d(pool, shape):
    torch.manual_seed(shape[-1])
    data = export_module(pool.eval(), (torch.randn(shape),))
    assert runtime_py.load(data).method().operators in (["MAX_POOL2D"], ["AVG_POOL2D"])
    check(pool, (torch.randn(shape),))


# ---- BATCH_MATMUL (the GEMM shader FULLY_CONNECTED shares) ---------------------------
class MatMul(nn.Module):
    def forward(self, a, b):
        return torch.matmul(a, b)


@pytest.mark.parametrize("sa,sb", [
    ((1, 1, 1), (1, 1, 1)),
    ((2, 7, 16), (2, 16, 9)),            # K one whole 16-deep step
    ((3, 33, 17), (3, 17, 65)),          # M, N one past the 32 tile, K one past the step
    ((2, 1, 8, 33), (3, 33, 32)),        # broadcast batch dimensions, N one whole tile
    ((64, 7), (7, 1)),                   # rank 2: one batch
])
def test_batch_matmul(sa, sb):
    g = torch.Generator().manual_seed(sum(sa) + sum(sb))
    check(MatMul(), (torch.randn(sa, generator=g), torch.randn(sb, generator=g)), {"BATCH_MATMUL"})


class ConstMatMul(nn.Module):
    def __init__(self, k, n):
        super().__init__()
        self.w = nn.Parameter(torch.randn(2, k, n))

    def forward(self, a):
        return torch.matmul(a, self.w)


def test_batch_matmul_constant_operand():
    torch.manual_seed(11)
    check(ConstMatMul(17, 33), (torch.randn(2, 9, 17),), ["BATCH_MATMUL"])


# ---- SOFTMAX, LAYER_NORM: a workgroup of 64 per row --------------------------------------
class Softmax(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return torch.softmax(x, self.dim)


@pytest.mark.parametrize("shape,dim", [((1,), 0), ((3, 7), -1), ((2, 64), -1), ((65,), 0), ((2, 130), 1),
                                       ((2, 17, 9), 1), ((3, 4, 5), 0)])
def test_softmax(shape, dim):
    g = torch.Generator().manual_seed(sum(shape))
    check(Softmax(dim), (torch.randn(shape, generator=g) * 3,), ["SOFTMAX"])


def test_softmax_special_rows():
    inf = float("inf")
    x = torch.tensor([[0.0, -inf, 1.0, -inf], [-inf, -inf, -inf, -inf], [1.0, inf, 0.0, 2.0],
                      [100.0, -100.0, 0.0, 88.0]])
    check(Softmax(-1), (x,), ["SOFTMAX"])


class LayerNorm(nn.Module):
    def __init__(self, shape, affine):
        super().__init__()
        self.ln = nn.LayerNorm(shape, elementwise_affine=affine)
        if affine:
            with torch.no_grad():
                self.ln.weight.normal_()
                self.ln.bias.normal_()

    def forward(self, x):
        return self.ln(x)


@pytest.mark.parametrize("shape,norm,affine", [((3, 1), (1,), True), ((2, 7), (7,), True), ((3, 64), (64,), False),
                                               ((2, 3, 65), (65,), True), ((2, 130), (130,), True),
                                               ((2, 4, 9), (4, 9), True)])
def test_layer_norm(shape, norm, affine):
    g = torch.Generator().manual_seed(sum(shape))
    torch.manual_seed(len(shape))
    check(LayerNorm(norm, affine), (torch.randn(shape, generator=g) * 2 + 1,), ["LAYER_NORM"])


# ---- reductions -----------------------------------------------------------------------------
class Reduce(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


@pytest.mark.parametrize("op,fn", [
    ("REDUCE_MEAN", lambda x: x.mean(dim=(-2, -1))),
    ("REDUCE_MEAN", lambda x: x.mean(dim=1, keepdim=True)),
    ("REDUCE_SUM", lambda x: x.sum(-1)),
    ("REDUCE_SUM", lambda x: x.sum(dim=(0, 2))),
    ("REDUCE_MAX", lambda x: x.amax(dim=-1)),
    ("REDUCE_MAX", lambda x: x.amax(dim=(0, 1), keepdim=True)),
    ("REDUCE_ANY", lambda x: (x > 1.0).any(dim=-1)),
])
@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 7, 9), (3, 65, 17)])
def test_reduce(op, fn, shape):
    g = torch.Generator().manual_seed(sum(shape))
    check(Reduce(fn), (torch.randn(shape, generator=g),), {op})


# ---- elementwise: the unary ops, several outputs of one program ------------------------------
def _unary_heads(x):
    a = x.abs()
    return (torch.sigmoid(x), nn.functional.gelu(x), nn.functional.gelu(x, approximate="tanh"), torch.exp(x),
            torch.erf(x), torch.sqrt(a), torch.rsqrt(a + 0.1), torch.log(a + 0.01), -x, a, torch.floor(x),
            torch.ceil(x), torch.clamp(x, -0.5, 0.7), torch.relu(x), torch.tanh(x))


UNARY_OPS = {"SIGMOID", "GELU", "EXP", "ERF", "SQRT", "RSQRT", "LOG", "NEG", "ABS", "FLOOR", "CEIL", "CLAMP", "RELU",
             "TANH"}


@pytest.mark.parametrize("shape", [(1,), (7,), (64,), (65,), (3, 5, 33)])
def test_unary_ops(shape):
    g = torch.Generator().manual_seed(sum(shape) + 1)
    check(Unary(_unary_heads), (torch.randn(shape, generator=g) * 4,), UNARY_OPS)


def test_unary_dense_grid():
    """The transcendental ops over a dense grid and their special values: within the bound."""
    x = torch.cat([torch.linspace(-12, 12, 4001), torch.tensor([0.0, -0.0, 0.5, -0.5, 0.4999, 14.0, 30.0, -30.0,
                                                                87.0, 88.5, 89.0, -87.5, -104.0, 1e-30, -1e-20,
                                                                float("inf"), float("-inf"), float("nan")])])
    check(Unary(_unary_heads), (x,), UNARY_OPS)


def _onnx_unary(tmp_path, op, shape):
    from onnx import TensorProto, helper
    from exporter import export_onnx
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"])], "g", [x], [y])
    path = tmp_path / f"{op}.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    return export_onnx(str(path))


@pytest.mark.parametrize("shape", [(7,), (65,)])
def test_hardswish(tmp_path, shape):
    """torch.export decomposes hardswish; the ONNX front end keeps HardSwish one op."""
    x = torch.randn(shape) * 5
    x[:3] = torch.tensor([-3.0, 3.0, 0.0])
    check(None, (x,), ["HARDSWISH"], data=_onnx_unary(tmp_path, "HardSwish", shape))


# ---- CAST, SIN, COS -----------------------------------------------------------------------
CAST_IO = [torch.float32, torch.int32, torch.int64, torch.bool]   # the method's own inputs and outputs


def _casts(x):
    """x to every other dtype; INT8 and UINT8 inside the program, read back through each."""
    out = [x.to(d) for d in CAST_IO if d != x.dtype]
    for b in (torch.int8, torch.uint8):
        y = x.to(b)
        out += [y.to(d) for d in CAST_IO]
    return tuple(out)


CAST_FLOATS = [0.0, -0.0, 0.5, -0.5, 0.99, -0.99, 1.5, -1.5, 127.9, 128.0, -128.5, 255.0, 256.0, 300.0, -300.0,
               2147483520.0, 2147483648.0, -2147483648.0, -2147483904.0, 4294967296.0, 1e10, -1e10, 9.2233715e18,
               9.223372e18, -9.223372e18, -9.2233725e18, 1e30, float("inf"), float("-inf"), float("nan"),
               16777217.0, 3e9, -3e9, 1e-30]
CAST_INT64S = [0, 1, -1, 127, 128, 255, 256, -128, -129, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**32, 2**32 + 1,
               2**53 + 1, 2**24 + 1, 2**24 + 3, 2**25 + 2, 2**25 + 6, -(2**24 + 1), 2**63 - 1, -2**63, 2**62 + 2**38,
               2**62 + 2**38 + 1, 2**40 + 2**16, 2**40 + 2**16 + 1, 0x7fffff8000000000, 0x7fffff7fffffffff]


@pytest.mark.parametrize("src", ["float32", "int64", "int32", "bool"])
def test_cast(src):
    """CAST from each dtype to FLOAT32, INT8, INT32, INT64, BOOL and UINT8, exactly as cast.c: truncation,
    INT_MIN for NaN / inf / out of range, wrapping, ties-to-even int-to-float, any nonzero is true."""
    g = torch.Generator().manual_seed(5)
    if src == "float32":
        x = torch.cat([torch.tensor(CAST_FLOATS), torch.randn(40, generator=g) * 1000,
                       (torch.rand(40, generator=g) - 0.5) * 2**40])
    elif src == "int64":
        x = torch.cat([torch.tensor(CAST_INT64S), torch.randint(-2**62, 2**62, (60,), generator=g),
                       torch.randint(-2**30, 2**30, (33,), generator=g)])
    elif src == "int32":
        x = torch.randint(-2**31, 2**31 - 1, (77,), generator=g, dtype=torch.int32)
    else:
        x = torch.rand(77, generator=g) > 0.5
    check(Unary(_casts), (x,), {"CAST"})


def test_sin_cos_dense_grid():
    """SIN and COS: the device's sin / cos against libm's sinf / cosf over 44,001 points in [-100, 100] and
    special values: allclose, and within 1 ulp on lavapipe (docs/gpu.md)."""
    x = torch.cat([torch.linspace(-100, 100, 44001), torch.tensor([0.0, -0.0, 1e-30, 3.1415927, -3.1415927,
                                                                   1.5707964, float("inf"), float("nan")])])
    data = export_module(Unary(lambda x: (torch.sin(x), torch.cos(x))).eval(), (x,))
    method = check(None, (x,), ["SIN", "COS"], data=data)
    assert method is not None
    want = runtime_py.load(data, backend="c").run("forward", x.numpy())
    program = gpu(data)
    try:
        got = program.run("forward", x.numpy())
    finally:
        program.close()
    for g, w in zip(got, want):
        fin = np.isfinite(w)
        ulp = np.abs(g[fin].view(np.int32).astype(np.int64) - w[fin].view(np.int32).astype(np.int64))
        assert ulp.max() <= 1, ulp.max()
        assert np.isnan(g[~fin]).all()


# ---- elementwise: binary ops, comparisons (BOOL outputs), WHERE -------------------------------
@pytest.mark.parametrize("op,fn", [("MAXIMUM", torch.maximum), ("MINIMUM", torch.minimum),
                                   ("POW", lambda a, b: a.abs() ** b)])
@pytest.mark.parametrize("sa,sb", [((7,), (1,)), ((2, 17, 33), (33,)), ((65,), (65,))])
def test_binary_more(op, fn, sa, sb):
    g = torch.Generator().manual_seed(len(sa) * 10 + len(sb) + 3)
    a, b = torch.randn(sa, generator=g), torch.randn(sb, generator=g)
    a.view(-1)[0] = float("nan")
    check(Binary(fn), (a, b), {op})


def test_pow_scalar_exponents():
    x = torch.randn(3, 65)
    x[0, :4] = torch.tensor([0.0, -0.0, -2.0, float("nan")])
    check(Unary(lambda x: (x ** 2, x ** 3, x.abs() ** 0.5, x ** 4.0, x ** -1.0)), (x,), {"POW"})


COMPARE = [("EQUAL", torch.eq), ("NOT_EQUAL", torch.ne), ("LESS", torch.lt), ("LESS_EQUAL", torch.le),
           ("GREATER", torch.gt), ("GREATER_EQUAL", torch.ge)]


@pytest.mark.parametrize("sa,sb", [((1,), (1,)), ((7,), (1,)), ((3, 1, 65), (4, 1)), ((257,), (257,))])
def test_comparisons_and_logic(sa, sb):
    """BOOL outputs, four to a word: sizes 1, 7, 65 wide and 257 (one past 64 words)."""
    g = torch.Generator().manual_seed(sum(sa) + sum(sb))
    a, b = torch.randn(sa, generator=g).round(), torch.randn(sb, generator=g).round()   # ties for EQUAL
    a.view(-1)[0] = float("nan")

    def heads(a, b):
        c = [fn(a, b) for _, fn in COMPARE]
        return (*c, c[0] & c[4], c[1] | c[2], ~c[3])
    check(Binary(heads), (a, b), {op for op, _ in COMPARE} | {"LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"})


@pytest.mark.parametrize("sc,sa,sb", [((7,), (7,), (1,)), ((3, 1), (3, 65), (65,)), ((2, 1, 1, 5), (4, 1, 5), (3, 1))])
def test_where(sc, sa, sb):
    g = torch.Generator().manual_seed(sum(sc) + sum(sa))
    ins = (torch.randn(sc, generator=g), torch.randn(sa, generator=g), torch.randn(sb, generator=g))
    check(Where3(), ins, {"WHERE"})


class Where3(nn.Module):
    def forward(self, c, a, b):
        return torch.where(c > 0, a, b)


# ---- data movement ------------------------------------------------------------------------------
INTERPOLATE = nn.functional.interpolate


@pytest.mark.parametrize("name,fn,shape,op", [
    ("permute", lambda x: x.permute(2, 0, 1) + 0, (3, 17, 9), "PERMUTE"),
    ("permute5", lambda x: x.permute(4, 1, 3, 0, 2) * 2, (2, 3, 1, 4, 5), "PERMUTE"),
    ("slice", lambda x: x[:, 1:66:2] + 0, (3, 130), "SLICE"),
    ("slice_mid", lambda x: x[:, 3:10] * 2, (2, 17, 5), "SLICE"),
    ("expand", lambda x: x[:, :1].expand(3, 65) + 0, (3, 7), "EXPAND"),
    ("concat", lambda x: torch.cat([x, x * 2, x[:, :1]], dim=1), (7, 9), "CONCAT"),
    ("concat0", lambda x: torch.cat([x, torch.relu(x)], dim=0), (33, 2), "CONCAT"),
    ("pad", lambda x: nn.functional.pad(x, (1, 2, 0, 3), value=0.5), (3, 17), "PAD"),
    ("pad4", lambda x: nn.functional.pad(x, (2, 2, 1, 1)), (1, 2, 7, 9), "PAD"),
    ("nearest", lambda x: INTERPOLATE(x, scale_factor=2, mode="nearest"), (1, 2, 3, 33), "RESIZE_NEAREST"),
    ("nearest_down", lambda x: INTERPOLATE(x, size=(2, 5), mode="nearest"), (2, 1, 7, 17), "RESIZE_NEAREST"),
    ("bilinear", lambda x: INTERPOLATE(x, size=(7, 65), mode="bilinear"), (1, 2, 3, 5), "RESIZE_BILINEAR"),
    ("bilinear_ac", lambda x: INTERPOLATE(x, scale_factor=2, mode="bilinear", align_corners=True),
     (2, 1, 4, 9), "RESIZE_BILINEAR"),
])
def test_data_movement(name, fn, shape, op):
    g = torch.Generator().manual_seed(len(name))
    check(Unary(fn), (torch.randn(shape, generator=g),), {op})


class Embedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.e = nn.Embedding(70, 9)

    def forward(self, i):
        return self.e(i)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
def test_gather(dtype):
    torch.manual_seed(2)
    check(Embedding(), (torch.tensor([[0, 69, 3], [1, 2, 64]], dtype=dtype),), ["GATHER"])
    x, i = torch.randn(3, 17, 5), torch.tensor([16, 0, -3, 7, -17], dtype=dtype)   # from the end too
    check(Binary(lambda x, i: x[:, i] + 0), (x, i), {"GATHER"})


# ---- views, barriers ------------------------------------------------------------------
class Flatten(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 4 * 5, 9)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(x), 1))


def test_reshape_is_a_view():
    torch.manual_seed(5)
    method = check(Flatten(), (torch.randn(2, 3, 4, 5),), ["RELU", "RESHAPE", "FULLY_CONNECTED"])
    assert method.dispatches == 2   # RESHAPE runs nothing


class TwoHeads(nn.Module):
    def forward(self, x):
        return torch.relu(x), torch.tanh(x)


def test_no_barrier_between_independent_dispatches():
    """Both ops read x and write their own outputs: no barrier between them, only the four
    around the copies (before the input copy, after it, before the output copy, to the host)."""
    method = check(TwoHeads(), (torch.randn(5, 13),), ["RELU", "TANH"])
    assert (method.dispatches, method.barriers) == (2, 4)


# ---- the zoo programs -----------------------------------------------------------------
FLOAT_ZOO = ["mlp", "cnn", "mobilenet_v2", "resnet", "transformer_encoder", "hand_encoder", "gpt_block", "audio",
             "unet", "elementwise", "hf_bert", "hf_gpt2", "lstm", "gru"]


@pytest.mark.parametrize("name", FLOAT_ZOO)
def test_zoo_program(name):
    """Every float zoo program on the GPU: against the C runtime, a second run identical, and
    its bundled test case within the case's own tolerance."""
    from zoo_models import exported
    _, inputs, data = exported(name)
    method = check(None, inputs, data=data)
    assert method.dispatches >= 3
    cases = runtime_py.load(data).method().test_cases()
    assert cases, "the zoo export bundles a test case"
    program = gpu(data)
    try:
        for ins, outs, atol, rtol in cases:
            got = program.run("forward", *ins)
            for g, w in zip(got, outs):
                np.testing.assert_allclose(g, w, atol=atol, rtol=rtol, err_msg=f"{name}: bundled test case")
    finally:
        program.close()


# ---- errors ---------------------------------------------------------------------------
def _one_line(e):
    text = str(e)
    assert "\n" not in text and text, text
    return text


def test_unsupported_op_named():
    from runtime_py.vulkan_backend import VulkanUnavailable
    data = export_module(Unary(lambda x: torch.atan(x) + 1).eval(), (torch.randn(4, 3),))
    program = gpu(data)
    try:
        with pytest.raises(VulkanUnavailable) as e:
            program.method("forward")
        text = _one_line(e.value)
        assert "ATAN" in text and "ADD" not in text and "EMBER_ERR_UNSUPPORTED" in text
    finally:
        program.close()


def test_gather_index_out_of_range():
    """The C runtime fails the run on an index outside [-n, n); so does the GPU (a status word
    the shader marks), naming the operator, and the next good run succeeds."""
    from runtime_py.errors import ExecutionError
    torch.manual_seed(4)
    data = export_module(Embedding().eval(), (torch.tensor([[1, 2]]),))
    with pytest.raises(ExecutionError):
        runtime_py.load(data, backend="c").run("forward", np.array([[1, 70]]))
    program = gpu(data)
    try:
        with pytest.raises(ExecutionError) as e:
            program.run("forward", np.array([[1, 70]]))
        assert "operator 0 (GATHER): an index out of range" in _one_line(e.value)
        got = program.run("forward", np.array([[1, -70]]))[0]
        np.testing.assert_array_equal(got, runtime_py.load(data, backend="c").run("forward", np.array([[1, -70]]))[0])
    finally:
        program.close()


def test_dynamic_sizes_refused():
    from exporter import DynamicDim
    from runtime_py.vulkan_backend import VulkanUnavailable
    data = export_module(Unary(torch.relu).eval(), (torch.randn(4, 3),), dynamic=[DynamicDim("batch", 0, 8)])
    program = gpu(data)
    try:
        with pytest.raises(VulkanUnavailable, match="static shapes only"):
            program.method("forward")
    finally:
        program.close()


def test_no_loader(monkeypatch):
    from runtime_py.vulkan_backend import VulkanUnavailable
    monkeypatch.setenv("EMBER_VULKAN_LOADER", "/nonexistent/libvulkan.so.1")
    data = export_module(Unary(torch.relu).eval(), (torch.randn(3),))
    with pytest.raises(VulkanUnavailable) as e:
        runtime_py.load(data, backend="vulkan")
    assert "no Vulkan loader" in _one_line(e.value)


def test_no_driver(monkeypatch):
    from runtime_py.vulkan_backend import VulkanUnavailable
    monkeypatch.setenv("VK_DRIVER_FILES", "/nonexistent.json")
    data = export_module(Unary(torch.relu).eval(), (torch.randn(3),))
    with pytest.raises(VulkanUnavailable) as e:
        runtime_py.load(data, backend="vulkan")
    assert "no Vulkan driver" in _one_line(e.value)


def test_cpu_device_needs_allow_cpu(monkeypatch):
    from runtime_py.vulkan_backend import VulkanUnavailable
    monkeypatch.delenv("EMBER_VULKAN_ALLOW_CPU", raising=False)
    data = export_module(Unary(torch.relu).eval(), (torch.randn(3),))
    with pytest.raises(VulkanUnavailable, match="allow_cpu"):
        runtime_py.load(data, backend="vulkan")
    monkeypatch.setenv("EMBER_VULKAN_ALLOW_CPU", "1")
    program = runtime_py.load(data, backend="vulkan")
    try:
        assert program.device_type == "cpu"
        x = np.array([-1.0, 0.0, 2.5], dtype=np.float32)
        np.testing.assert_array_equal(program.run("forward", x)[0], np.maximum(x, 0))
    finally:
        program.close()


def test_bad_inputs():
    from runtime_py.errors import InputError
    data = export_module(Unary(torch.relu).eval(), (torch.randn(2, 3),))
    program = gpu(data)
    try:
        with pytest.raises(InputError, match="dimension 1 is 4, expected 3"):
            program.run("forward", np.zeros((2, 4), np.float32))
        with pytest.raises(InputError, match="takes 1 input"):
            program.run("forward")
    finally:
        program.close()


def test_validation_reports_leaks():
    """The check the other tests rely on: a context destroyed before its method makes the
    layer report the method's objects at vkDestroyDevice, and the destroy fails with it."""
    program = gpu(export_module(Unary(torch.relu).eval(), (torch.randn(3),)))
    method = program.method()
    message = ctypes.create_string_buffer(512)
    status = program.lib.ember_vk_context_destroy(program.context, message, len(message))
    program.context, method.handle = None, None   # both gone (the method's host struct leaks)
    assert status == 8 and "VUID-vkDestroyDevice-device-00378" in message.value.decode(), message.value


# ---- the CLI --------------------------------------------------------------------------
def _cli(capsys, *argv):
    from ember.cli import main
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("name", ["gpt_block", "unet"])
def test_cli_validate_vulkan(name, tmp_path, monkeypatch, capsys):
    """`ember validate --runtime vulkan`: eager, Python, C and Vulkan side by side, then the
    GPU against the C runtime, all ok."""
    from zoo_models import exported
    monkeypatch.setenv("EMBER_VULKAN_ALLOW_CPU", "1")
    monkeypatch.setenv("EMBER_VULKAN_VALIDATION", "1")
    path = tmp_path / f"{name}.ember"
    path.write_bytes(exported(name)[2])
    status, out, err = _cli(capsys, "validate", os.path.join(ROOT, "tests", "zoo_models.py") + f":{name}", str(path),
                            "--runtime", "vulkan")
    assert status == 0, out + err
    for line in ("python runtime vs eager: ok", "c runtime vs eager: ok", "vulkan runtime vs eager: ok"):
        assert line in out, out
    assert "vk vs c" in out and "beyond 1e-5" not in out, out


def test_cli_run_and_inspect_vulkan(tmp_path, monkeypatch, capsys):
    from zoo_models import exported
    path = tmp_path / "gpt.ember"
    path.write_bytes(exported("gpt_block")[2])
    monkeypatch.delenv("EMBER_VULKAN_ALLOW_CPU", raising=False)
    status, out, err = _cli(capsys, "run", str(path), "--runtime", "vulkan")
    assert status == 2 and err.strip().splitlines()[-1].startswith("ember: error: ") and "allow_cpu" in err, err
    monkeypatch.setenv("EMBER_VULKAN_ALLOW_CPU", "1")
    status, gpu_out, _ = _cli(capsys, "run", str(path), "--runtime", "vulkan", "-o", str(tmp_path / "gpu.npz"))
    assert status == 0, gpu_out
    _cli(capsys, "run", str(path), "--runtime", "c", "-o", str(tmp_path / "c.npz"))
    g, c = np.load(tmp_path / "gpu.npz"), np.load(tmp_path / "c.npz")
    np.testing.assert_allclose(g["output"], c["output"], atol=ATOL, rtol=RTOL)
    status, out, _ = _cli(capsys, "inspect", str(path))
    assert status == 0 and "  vulkan: 51 of 51 ops\n" in out + "\n", out
    atan = tmp_path / "atan.ember"
    atan.write_bytes(export_module(Unary(lambda x: torch.atan(x) + torch.atan(2 * x)).eval(), (torch.randn(4, 3),)))
    _, out, _ = _cli(capsys, "inspect", str(atan))
    assert "vulkan: 2 of 4 ops (missing: ATAN x2)" in out, out


def test_supported_ops_one_list():
    """The CLI's list is the C module's (ember_vk_op_supported), not a copy."""
    from runtime_py.vulkan_backend import supported_ops
    ops = supported_ops()
    assert {"BATCH_MATMUL", "SOFTMAX", "LAYER_NORM", "GATHER", "RESHAPE", "CAST", "SIN", "COS"} <= ops
    assert "ATAN" not in ops


# ---- static int8: the same integers as the C runtime ----------------------------------
import torch.nn.functional as F  # noqa: E402


class Q8(nn.Module):
    """A 1x1 convolution before `body` (and a 3x3 one for a second operand) so the op under
    test reads int8 tensors."""
    def __init__(self, body, cin=3, channels=4, two=False):
        super().__init__()
        torch.manual_seed(0)
        self.a = nn.Conv2d(cin, channels, 1)
        self.b = nn.Conv2d(cin, channels, 3, padding=1) if two else None
        self.body = body

    def forward(self, x):
        return self.body(self.a(x), self.b(x)) if self.b is not None else self.body(self.a(x))


# (model, the op that must run int8, input shape): planes of 9 x 17 = 153 outputs and
# channel counts that cross the 64-invocation workgroups
Q8_CASES = {
    "conv_relu": (nn.Sequential(nn.Conv2d(3, 6, 3, stride=2, padding=1), nn.ReLU()), "CONV2D", (2, 3, 9, 17)),
    "conv_relu6_dilated": (nn.Sequential(nn.Conv2d(3, 5, 3, padding=2, dilation=2), nn.ReLU6()), "CONV2D",
                           (1, 3, 9, 17)),
    "conv_grouped": (Q8(nn.Conv2d(4, 6, (3, 2), padding=(1, 0), groups=2)), "CONV2D", (1, 3, 7, 9)),
    "depthwise_stride2": (Q8(nn.Sequential(nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4), nn.ReLU6())),
                          "CONV2D", (2, 3, 9, 17)),
    "linear": (nn.Sequential(nn.Flatten(), nn.Linear(3 * 9 * 7, 65), nn.ReLU()), "FULLY_CONNECTED", (3, 3, 9, 7)),
    "add_relu": (Q8(lambda a, b: F.relu(a + b), two=True), "ADD", (2, 3, 9, 17)),
    "sub": (Q8(lambda a, b: a - b, two=True), "SUB", (1, 3, 9, 17)),
    "mul_broadcast": (Q8(lambda a, b: a * b.mean(dim=(2, 3), keepdim=True), two=True), "MUL", (2, 3, 9, 17)),
    "matmul": (Q8(lambda a, b: a @ b.transpose(2, 3), two=True), "BATCH_MATMUL", (2, 3, 9, 17)),
    "avg_pool": (Q8(nn.AvgPool2d(3, 2, 1, count_include_pad=False)), "AVG_POOL2D", (2, 3, 9, 17)),
    "avg_pool_pad": (Q8(nn.AvgPool2d(3, 2, 1)), "AVG_POOL2D", (1, 3, 9, 17)),
    "max_pool": (Q8(nn.MaxPool2d(3, 2, 1)), "MAX_POOL2D", (2, 3, 9, 17)),
    "max_pool_dilated": (Q8(nn.MaxPool2d(3, 1, 1, dilation=2)), "MAX_POOL2D", (1, 3, 9, 17)),
    "mean": (Q8(lambda a: a.mean(dim=(2, 3))), "REDUCE_MEAN", (2, 3, 9, 17)),
    "mean_last": (Q8(lambda a: a.mean(dim=-1, keepdim=True)), "REDUCE_MEAN", (2, 3, 9, 17)),
    "concat": (Q8(lambda a, b: torch.cat([a, b * 3], 1), two=True), "CONCAT", (2, 3, 9, 17)),
    "pad": (Q8(lambda a: F.pad(a, (1, 2, 0, 1))), "PAD", (1, 3, 9, 17)),
    "sigmoid": (Q8(torch.sigmoid), "SIGMOID", (2, 3, 9, 17)),
    "tanh": (Q8(torch.tanh), "TANH", (1, 3, 9, 17)),
    "gelu": (Q8(F.gelu), "GELU", (1, 3, 9, 17)),
    "hardswish": (Q8(F.hardswish), "TABLE_LOOKUP", (1, 3, 9, 17)),
    "softmax": (Q8(lambda a: torch.softmax(a, dim=-1)), "SOFTMAX", (2, 3, 9, 17)),
    "softmax_channels": (Q8(lambda a: torch.softmax(a, dim=1)), "SOFTMAX", (1, 3, 9, 17)),
    "permute_slice": (Q8(lambda a: torch.relu(a.permute(0, 2, 3, 1)[:, 1:8:2])), "PERMUTE", (2, 3, 9, 17)),
    "expand": (Q8(lambda a: torch.relu(a[:, :, :1].expand(-1, -1, 5, -1))), "EXPAND", (1, 3, 9, 17)),
}


def check_int8(data, arrays):
    """The program on the GPU and on the C runtime: every output array_equal, twice."""
    want = runtime_py.load(data, backend="c").run("forward", *arrays)
    program = gpu(data)
    try:
        for _ in range(2):
            got = program.run("forward", *arrays)
            for i, (g, w) in enumerate(zip(got, want)):
                assert g.dtype == w.dtype and g.shape == w.shape
                assert np.array_equal(g, w), f"output {i}: GPU differs from C by up to {np.abs(g - w).max()}"
        assert program.validation_messages == 0
        method = program.method()
    finally:
        program.close()
    return method


@pytest.mark.parametrize("case", sorted(Q8_CASES))
def test_int8_op(case):
    from zoo_models import calibration_batches
    model, op, shape = Q8_CASES[case]
    torch.manual_seed(1)
    x = torch.randn(*shape)
    data = export_module(model.eval(), (x,), quantize="int8", calibration=calibration_batches((x,)))
    m = runtime_py.load(data).method()
    assert op in [o for o, p in zip(m.operators, m.precisions) if p == "int8"], (m.operators, m.precisions)
    check_int8(data, [x.numpy(), ])


INT8_ZOO = ["mlp", "cnn", "mobilenet_v2", "resnet", "audio", "unet", "gru"]


@pytest.mark.parametrize("name", INT8_ZOO)
def test_int8_zoo_program(name):
    """Static int8 zoo programs: bit-identical to the C runtime and passing the bundled test
    case (exact for int8 programs)."""
    from zoo_models import exported_int8
    _, inputs, data = exported_int8(name)
    check_int8(data, [t.numpy() for t in inputs])
    cases = runtime_py.load(data).method().test_cases()
    program = gpu(data)
    try:
        for ins, outs, atol, rtol in cases:
            for g, w in zip(program.run("forward", *ins), outs):
                np.testing.assert_allclose(g, w, atol=atol, rtol=rtol, err_msg=f"{name}: bundled test case")
    finally:
        program.close()
