"""The Vulkan backend (runtime_c/vulkan, runtime_py/vulkan_backend.py; docs/gpu.md) on
lavapipe, Mesa's Vulkan driver on the CPU, under the Khronos validation layer: any message
it reports (leaked objects at destroy included) fails the test.

Every op the backend runs is checked against the C runtime on small shapes that cross the
shaders' edges (64 invocations per workgroup, FULLY_CONNECTED's 64-wide K tiles, the
PANELS16 weight's 16-row panels) within the documented bound, numpy's allclose with
atol = rtol = 1e-5 (summation orders differ from the C kernels'); the mlp and cnn zoo
programs match the C runtime and pass their bundled test cases; repeated runs give
identical outputs; errors (an op the backend lacks, no loader, no driver) are one status
and one message, never a crash.

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


def check(model, inputs, ops=None):
    """Export `model`, run it on the GPU and on the C runtime: outputs within ATOL/RTOL,
    a second GPU run bit-identical, no validation message up to the context's destroy."""
    data = export_module(model.eval(), tuple(inputs))
    if ops is not None:
        assert runtime_py.load(data).method().operators == ops
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
            np.testing.assert_allclose(g, w, atol=ATOL, rtol=RTOL, err_msg=f"output {i}: GPU vs C runtime")
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
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_zoo_program(name):
    from zoo_models import exported
    model, inputs, data = exported(name)
    method = check(model, inputs)
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
    data = export_module(Unary(lambda x: torch.sin(x) + 1).eval(), (torch.randn(4, 3),))
    program = gpu(data)
    try:
        with pytest.raises(VulkanUnavailable) as e:
            program.method("forward")
        text = _one_line(e.value)
        assert "SIN" in text and "ADD" not in text and "EMBER_ERR_UNSUPPORTED" in text
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
