"""A skip connection fused into a float CONV2D (exporter/passes/fuse_residual.py): the
ADD disappears, CONV2D gets the skip as input 3 and the ADD's activation, and both
runtimes match eager through every C path: the GEMM (several K blocks, edge tiles), the
3-column depthwise kernels (small images over a padded plane, wide ones by rows) and
the general direct kernel (5x5 depthwise); with dynamic batch too. Cases that must not
fuse stay correct: a skip computed after the convolution, a convolution with its own
activation, broadcasting, and int8 programs (the int8 ADD rescales)."""
import pytest
import torch
from torch import nn

from exporter import DynamicDim
from oplib import check_module


class Skip(nn.Module):
    def __init__(self, c, k, groups, relu):
        super().__init__()
        self.conv = nn.Conv2d(c, c, k, 1, k // 2, groups=groups)
        self.relu = relu

    def forward(self, x):
        y = self.conv(x) + x
        return torch.relu(y) if self.relu else y


@pytest.mark.parametrize("c,k,groups,hw,relu", [
    (32, 3, 1, (9, 13), True),       # GEMM: K = 288 (two K blocks), 117 positions (edge panel), 32 rows (edge tile)
    (8, 1, 1, (5, 7), False),        # 1x1: B read as it is
    (16, 3, 16, (6, 6), True),       # depthwise 3x3, small: padded plane, flat passes
    (16, 3, 16, (5, 40), False),     # depthwise 3x3, wide: row kernel with edge columns
    (12, 5, 12, (11, 9), True),      # depthwise 5x5: the general direct kernel
])
def test_residual_fused(c, k, groups, hw, relu):
    torch.manual_seed(c + k)
    program = check_module(Skip(c, k, groups, relu), (torch.randn(2, c, *hw),))
    assert program.method().operators == ["CONV2D"]


def test_residual_fused_dynamic_batch():
    torch.manual_seed(3)
    program = check_module(Skip(8, 3, 1, True), (torch.randn(2, 8, 6, 6),), dynamic=[DynamicDim("batch", 0, 4)],
                           extra_inputs=[(torch.randn(1, 8, 6, 6),), (torch.randn(4, 8, 6, 6),)])
    assert program.method().operators == ["CONV2D"]


class Later(nn.Module):   # the skip is computed after the convolution: cannot fuse
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(4, 4, 3, 1, 1)

    def forward(self, x):
        y = self.a(x)
        s = torch.sigmoid(y.mean()) * x
        return y + s


class OwnRelu(nn.Module):   # relu(conv) + x: the convolution keeps its activation, the ADD stays
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, 1, 1)

    def forward(self, x):
        return torch.relu(self.conv(x)) + x


class Broadcast(nn.Module):   # conv + a per-channel tensor: shapes differ, the ADD stays
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, 1, 1)

    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        return self.conv(x) + m


@pytest.mark.parametrize("model,fused", [(Later, False), (OwnRelu, False), (Broadcast, False)])
def test_not_fused_where_it_must_not(model, fused):
    torch.manual_seed(5)
    program = check_module(model(), (torch.randn(1, 4, 6, 6),))
    assert ("ADD" in program.method().operators) != fused


def test_int8_convolutions_take_no_residual():
    """The static int8 MobileNetV2 blocks of the zoo: an int8 skip ADD rescales both
    inputs, so no int8 CONV2D gets a residual (its float parts may); the program runs
    bit-exact against its bundled case in both runtimes."""
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import runtime_py
    from schema import fb
    from zoo_models import exported_int8
    data = exported_int8("mobilenet_v2")[2]
    method = runtime_py.load(data).method()
    int8_convs = 0
    for name, _, ins, outs, _, _ in method._ops:
        if name == "CONV2D" and method.tensors[outs[0]].dtype == fb.DType.INT8:
            int8_convs += 1
            assert ins[3] == -1, "a fused residual on an int8 CONV2D"
    assert int8_convs > 0
    inputs, outputs = method.test_cases()[0][:2]
    for backend in ("py", "c"):
        got = runtime_py.load(data, backend=backend).run("forward", *inputs)
        assert all((g == w).all() for g, w in zip(got, outputs))
