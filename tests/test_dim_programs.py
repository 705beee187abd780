"""Dimension programs (schema 2.2, issue 19): sizes torch.export derives through strided
layers (`(h - 1) // 2 + 1`) exported as postfix programs, run by both runtimes at every
size in range, printed readably; hostile programs refused by both loaders, and sizes a
program cannot serve refused at run time by both."""
import numpy as np
import pytest
import torch

import crafted
import runtime_py
from exporter import DynamicDim, ExportWarning, export_module
from helpers import check_module
from schema import dims, fb


class StridedCNN(torch.nn.Module):
    """Stride-2 convolutions (one depthwise), pooling, 2x upsampling, global pooling."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.pool = torch.nn.MaxPool2d(2)
        self.up = torch.nn.Upsample(scale_factor=2, mode="nearest")
        self.pw = torch.nn.Conv2d(8, 16, 1)
        self.fc = torch.nn.Linear(16, 5)

    def forward(self, x):
        y = self.pool(torch.relu(self.dw(torch.relu(self.c1(x)))))
        y = self.pw(self.up(y))
        return self.fc(y.mean((2, 3))), y


class AudioEncoder(torch.nn.Module):
    """Strided 1-D convolutions over a variable-length signal."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(1, 8, 5, stride=2, padding=2)
        self.c2 = torch.nn.Conv1d(8, 8, 3, stride=2)
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        y = torch.relu(self.c2(torch.relu(self.c1(x))))
        return self.fc(y.mean(2)), y


class MobileNetLike(torch.nn.Module):
    """A MobileNetV2 stem and two inverted residual blocks (expand, depthwise, project), the
    second with its skip connection, then a stride-2 block and global pooling."""

    def __init__(self):
        super().__init__()
        bn = torch.nn.BatchNorm2d
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), bn(8), torch.nn.ReLU6())
        self.block = torch.nn.Sequential(torch.nn.Conv2d(8, 32, 1), bn(32), torch.nn.ReLU6(),
                                         torch.nn.Conv2d(32, 32, 3, padding=1, groups=32), bn(32), torch.nn.ReLU6(),
                                         torch.nn.Conv2d(32, 8, 1), bn(8))
        self.down = torch.nn.Sequential(torch.nn.Conv2d(8, 48, 1), torch.nn.ReLU6(),
                                        torch.nn.Conv2d(48, 48, 3, stride=2, padding=1, groups=48), torch.nn.ReLU6(),
                                        torch.nn.Conv2d(48, 16, 1))
        self.head = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.block(x)                       # the residual connection
        return self.head(self.down(x).mean((2, 3)))


HW = [DynamicDim("h", 2, 64, min=16), DynamicDim("w", 3, 64, min=16)]
LENGTH = [DynamicDim("t", 2, 400, min=16)]


@pytest.fixture(scope="module")
def cnn():
    torch.manual_seed(0)
    model = StridedCNN().eval()
    return model, export_module(model, (torch.randn(1, 3, 32, 32),), dynamic=HW)


def test_cnn_any_image_size(cnn):
    """The minimum, the maximum, odd and mixed sizes: both runtimes against eager."""
    model, data = cnn
    sizes = [(16, 16), (17, 33), (31, 50), (63, 17), (64, 64)]
    program = check_module(model, (torch.randn(1, 3, 32, 32),), data=data,
                           extra_inputs=[(torch.randn(1, 3, h, w),) for h, w in sizes])
    out = program.method().outputs[1]
    assert out["shape"] == [1, 16, "2 * (((h - 1) // 4 - 1) // 2) + 2", "2 * (((w - 1) // 4 - 1) // 2) + 2"]


def test_mobilenet_like_any_image_size():
    torch.manual_seed(0)
    model = MobileNetLike().eval()
    x = torch.randn(1, 3, 40, 40)
    with torch.no_grad():               # settled batch-norm statistics, not the initial ones
        model.train()(torch.randn(8, 3, 40, 40))
    model.eval()
    data = export_module(model, (x,), dynamic=HW)
    sizes = [(16, 16), (17, 45), (33, 19), (64, 64)]
    check_module(model, (x,), data=data, extra_inputs=[(torch.randn(1, 3, h, w),) for h, w in sizes])


def test_audio_encoder_any_length():
    torch.manual_seed(0)
    model = AudioEncoder().eval()
    data = export_module(model, (torch.randn(2, 1, 100),), dynamic=LENGTH)
    program = check_module(model, (torch.randn(2, 1, 100),), data=data,
                           extra_inputs=[(torch.randn(2, 1, t),) for t in (16, 17, 123, 400)])
    assert program.method().outputs[1]["shape"] == [2, 8, "(t - 1) // 4"]


def test_inspect_prints_the_expressions(cnn, tmp_path):
    from ember.cli import inspect_text
    path = tmp_path / "cnn.ember"
    path.write_bytes(cnn[1])
    text = inspect_text(str(path))
    assert "size h: 16..64" in text and "size w: 16..64" in text
    assert "float32[1, 16, 2 * (((h - 1) // 4 - 1) // 2) + 2, 2 * (((w - 1) // 4 - 1) // 2) + 2]" in text


@pytest.mark.parametrize("steps,sizes,want", [
    ([("SIZE", 0), ("CONST", -1), ("ADD", 0), ("CONST", 2), ("FLOOR_DIV", 0)], [7], 3),
    ([("CONST", -7), ("CONST", 2), ("FLOOR_DIV", 0)], [], -4),          # floor, as Python
    ([("CONST", -7), ("CONST", 2), ("CEIL_DIV", 0)], [], -3),
    ([("CONST", 7), ("CONST", 2), ("CEIL_DIV", 0)], [], 4),
    ([("CONST", -7), ("CONST", 3), ("MOD", 0)], [], 2),
    ([("SIZE", 0), ("SIZE", 1), ("MIN", 0), ("SIZE", 1), ("MAX", 0)], [5, 9], 9),
])
def test_reference_semantics(steps, sizes, want):
    dims.check(steps, len(sizes))
    assert dims.evaluate(steps, sizes) == want


# ---- hostile programs: the audio encoder's `(t - 1) // 4` dimension, edited ----------------
@pytest.fixture(scope="module")
def audio_file():
    torch.manual_seed(0)
    return export_module(AudioEncoder().eval(), (torch.randn(2, 1, 100),), dynamic=LENGTH)


def _with_program(data, steps, coeff=-1):
    """The file with the steps (and DimExpr coeff) of the encoder's last convolution's
    length, `(t - 1) // 4` (99 at the maximum t = 400), replaced."""
    def edit(p):
        for t in p.methods[0].tensors:
            for d, prog in enumerate(t.dimPrograms or []):
                if prog is not None and prog.steps and t.shape[d] == 99:
                    prog.steps = []
                    for op, value in steps:
                        st = fb.DimStepT()
                        st.op, st.value = op, value
                        prog.steps.append(st)
                    t.dims[d].coeff = coeff
    return crafted.edit(data, edit)


D = fb.DimOp
T_MINUS_1_DIV_4 = [(D.SIZE, 0), (D.CONST, -1), (D.ADD, 0), (D.CONST, 4), (D.FLOOR_DIV, 0)]


@pytest.mark.parametrize("steps,coeff,message", [
    ([(D.SIZE, 0), (D.CONST, 0), (D.FLOOR_DIV, 0)], -1, "fails|divisor"),               # division by zero
    ([(D.SIZE, 0), (D.CONST, 1 << 40), (D.MUL, 0)], -1, "fails|beyond 2\\^40"),        # overflow
    ([(D.SIZE, 0), (D.CONST, (1 << 40) + 1), (D.ADD, 0)], -1, "malformed|beyond 2\\^40"),
    ([(D.SIZE, 1)], -1, "malformed|out of range"),                                      # no symbol 1
    ([(D.SIZE, 0), (D.ADD, 0)], -1, "malformed|stack depth"),                           # underflow
    ([(D.SIZE, 0)] * 9 + [(D.ADD, 0)] * 8, -1, "malformed|stack depth"),                 # depth 9
    ([(D.SIZE, 0), (D.CONST, 0), (D.ADD, 0)] * 11, -1, "steps"),                         # 33 steps
    ([(D.SIZE, 0), (D.SIZE, 0)], -1, "ends with 2"),
    ([(9, 0)], -1, "malformed|unknown op"),
    ([(D.SIZE, 0), (D.CONST, 2), (D.FLOOR_DIV, 0)], -1, "at the maxima"),               # 200, not 99
    (T_MINUS_1_DIV_4, 1, "dimension program on a DimExpr"),                             # coeff >= 0
])
def test_hostile_programs_are_refused_by_both_loaders(audio_file, steps, coeff, message):
    bad = _with_program(audio_file, steps, coeff)
    for backend in ("py", "c"):
        with pytest.raises(runtime_py.EmberError, match=message):
            runtime_py.load(bad, backend=backend)


def test_the_untouched_program_still_loads(audio_file):
    for backend in ("py", "c"):
        runtime_py.load(_with_program(audio_file, T_MINUS_1_DIV_4), backend=backend)


def test_sizes_a_program_cannot_serve_are_refused_at_run_time(audio_file):
    """`(t - 1) // 4 + t % 7 - 1` is 99 at the maximum t = 400, where the arena is planned,
    and 104 at t = 398: both runtimes refuse that size rather than write past the planned
    bytes (the convolution's own check would refuse the length next)."""
    bad = _with_program(audio_file, T_MINUS_1_DIV_4 + [(D.SIZE, 0), (D.CONST, 7), (D.MOD, 0), (D.ADD, 0),
                                                       (D.CONST, -1), (D.ADD, 0)])
    x = np.random.default_rng(0).standard_normal((2, 1, 400)).astype(np.float32)
    for backend in ("py", "c"):
        program = runtime_py.load(bad, backend=backend)
        program.run("forward", x)                                    # t = 400: 99, as planned
        with pytest.raises(runtime_py.InputError, match="outside 0..99"):
            program.run("forward", x[:, :, :398])


# ---- sizes that must be multiples: a U-Net --------------------------------------------------
class UNet(torch.nn.Module):
    """Two stride-2 levels down, two 2x upsamplings back, each met by its skip connection
    (a concatenation): height and width must be multiples of 4."""

    def __init__(self):
        super().__init__()
        self.e1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.e2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.e3 = torch.nn.Conv2d(16, 16, 3, stride=2, padding=1)
        self.up = torch.nn.Upsample(scale_factor=2)
        self.d2 = torch.nn.Conv2d(32, 8, 3, padding=1)
        self.d1 = torch.nn.Conv2d(16, 4, 3, padding=1)

    def forward(self, x):
        a = torch.relu(self.e1(x))
        b = torch.relu(self.e2(a))
        c = torch.relu(self.e3(b))
        y = torch.relu(self.d2(torch.cat([self.up(c), b], 1)))
        return self.d1(torch.cat([self.up(y), a], 1))


def test_unet_multiples_of_4():
    torch.manual_seed(0)
    model = UNet().eval()
    x = torch.randn(1, 3, 32, 32)
    hw = [DynamicDim("h", 2, 64, min=16, multiple=4), DynamicDim("w", 3, 64, min=16, multiple=4)]
    data = export_module(model, (x,), dynamic=hw)
    sizes = [(16, 16), (20, 36), (44, 28), (64, 64)]
    program = check_module(model, (x,), data=data, extra_inputs=[(torch.randn(1, 3, h, w),) for h, w in sizes])
    m = program.method()
    assert m.symbols == [("h_div4", 4, 16), ("w_div4", 4, 16)]
    assert m.inputs[0]["shape"] == [1, 3, "4*h_div4", "4*w_div4"]
    odd = np.zeros((1, 3, 30, 32), np.float32)
    with pytest.raises(runtime_py.InputError, match=r"input 0 \('x'\) dimension 2 is 30: it must be a multiple "
                                                    r"of 4 in 16\.\.64"):
        program.run("forward", odd)
    with pytest.raises(runtime_py.InputError, match=r"dimension 2 is 30: it must be a multiple of 4 in 16\.\.64"):
        runtime_py.load(data, backend="c").run("forward", odd)


def test_unet_without_multiple_takes_the_multiples_and_says_so():
    with pytest.warns(ExportWarning, match=r"exported for h in 16\.\.64, a multiple of 4; w in 16\.\.64, a "
                                           r"multiple of 4, not the range asked: .*h \(input 'x' dimension 2\): "
                                           r"torch.export's guards allow sizes .* only, not every size in 16\.\.64: "
                                           r"pass multiple=4"):
        data = export_module(UNet().eval(), (torch.randn(1, 3, 32, 32),),
                             dynamic=[DynamicDim("h", 2, 64, min=16), DynamicDim("w", 3, 64, min=16)])
    assert runtime_py.load(data).method().symbols == [("h_div4", 4, 16), ("w_div4", 4, 16)]


class UNetAnySize(UNet):
    """The U-Net with each upsampled map resized to its skip connection's size (as real U-Nets
    do for sizes that do not halve evenly): any height and width."""

    def forward(self, x):
        a = torch.relu(self.e1(x))
        b = torch.relu(self.e2(a))
        c = torch.relu(self.e3(b))
        up = torch.nn.functional.interpolate
        y = torch.relu(self.d2(torch.cat([up(c, size=b.shape[2:]), b], 1)))
        return self.d1(torch.cat([up(y, size=a.shape[2:], mode="bilinear"), a], 1))


def test_unet_any_size():
    """Odd and even sizes: the resize takes its ratio from the current sizes at run time."""
    torch.manual_seed(0)
    model = UNetAnySize().eval()
    x = torch.randn(1, 3, 32, 32)
    data = export_module(model, (x,), dynamic=HW)
    sizes = [(16, 16), (17, 33), (31, 50), (63, 17), (64, 64)]
    check_module(model, (x,), data=data, extra_inputs=[(torch.randn(1, 3, h, w),) for h, w in sizes])


@pytest.mark.parametrize("minor", [0, 1])
def test_older_minor_versions_still_load(minor):
    """Schema 2.2 only added dimension programs: a 2.0 or 2.1 file runs in both runtimes."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU()).eval()
    x = torch.randn(3, 8)
    data = export_module(model, (x,), dynamic=[DynamicDim("batch", 0, 8)])

    def older(p):
        p.versionMinor = minor
    old = crafted.edit(data, older)
    for backend in ("py", "c"):
        (got,) = runtime_py.load(old, backend=backend).run("forward", x.numpy())
        np.testing.assert_allclose(got, model(x).detach().numpy(), atol=1e-5, rtol=1e-5)


def test_shapes_that_agree_only_at_the_maxima_are_refused_at_run_time(cnn):
    """The first convolution's output height `(h - 1) // 2 + 1` replaced by `h // 2`: the same
    32 at h = 64, where the loaders check each operator, but 8 instead of 9 at h = 17. Both
    runtimes check every operator again at new sizes and refuse (found by the fuzzer)."""
    def halve(p):
        for t in p.methods[0].tensors:
            for prog in t.dimPrograms or []:
                if prog is not None and [(s.op, s.value) for s in prog.steps] == [
                        (D.CONST, 1), (D.CONST, -1), (D.SIZE, 0), (D.ADD, 0), (D.CONST, 2), (D.FLOOR_DIV, 0),
                        (D.ADD, 0)]:                                     # 1 + (-1 + h) // 2
                    prog.steps = prog.steps[2:3] + prog.steps[4:6]       # h // 2
                    return
        raise AssertionError("no (h - 1) // 2 + 1 dimension")
    bad = crafted.edit(cnn[1], halve)
    x = np.zeros((1, 3, 17, 20), np.float32)
    for backend in ("py", "c"):
        program = runtime_py.load(bad, backend=backend)
        program.run("forward", np.zeros((1, 3, 64, 64), np.float32))
        with pytest.raises(runtime_py.EmberError, match="CONV2D"):
            program.run("forward", x)


def test_the_arena_is_the_live_bytes_bound_at_the_maxima():
    """Planned once at the maxima: arena / live-bytes lower bound = 1.00 for these networks."""
    for model, x, dynamic in [(StridedCNN(), torch.randn(1, 3, 32, 32), HW),
                              (MobileNetLike(), torch.randn(1, 3, 40, 40), HW),
                              (UNetAnySize(), torch.randn(1, 3, 32, 32), HW),
                              (AudioEncoder(), torch.randn(2, 1, 100), LENGTH)]:
        m = runtime_py.load(export_module(model.eval(), (x,), dynamic=dynamic, bundle_test=False)).method()
        assert m.arena_size == m.live_bytes_lower_bound, (type(model).__name__, m.arena_size, m.live_bytes_lower_bound)
