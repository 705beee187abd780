"""Dynamic batch and sequence sizes: memory is planned for the maximum and the
runtime accepts every size from 1 up to it, matching eager at each."""
import numpy as np
import pytest
import torch

import runtime_py
from exporter import DynamicDim, ExportError, ExportWarning, export_module
from helpers import check_module
from zoo_models import gpt_block, hand_encoder, mlp

BATCH = DynamicDim("batch", 0, 8)
SEQ = DynamicDim("seq", 1, 16)


def test_mlp_dynamic_batch():
    model, (x,) = mlp()
    program = check_module(model, (x,), dynamic=[BATCH],
                           extra_inputs=[(torch.randn(1, 20),), (torch.randn(8, 20),), (torch.randn(3, 20),)])
    m = program.method()
    assert m.symbols == [("batch", 1, 8)]
    assert m.inputs[0]["shape"] == ["batch", 20]
    # planned for the maximum: the first layer's 64 float outputs per row, 8 rows
    assert m.arena_size >= 8 * 64 * 4


def test_gpt_dynamic_batch_and_sequence():
    model, (idx,) = gpt_block()
    g = torch.Generator().manual_seed(5)
    extra = [(torch.randint(0, 50, (b, t), generator=g),) for b, t in [(1, 1), (1, 16), (3, 5), (8, 16)]]
    program = check_module(model, (idx,), dynamic=[BATCH, SEQ], extra_inputs=extra)
    assert program.method().inputs[0]["shape"] == ["batch", "seq"]


def test_encoder_dynamic_sequence():
    model, (x,) = hand_encoder()
    extra = [(torch.randn(2, t, 32),) for t in (1, 7, 16)]
    check_module(model, (x,), dynamic=[SEQ], extra_inputs=extra)


def test_size_above_maximum_is_rejected():
    model, (x,) = mlp()
    program = runtime_py.load(export_module(model, (x,), dynamic=[BATCH]))
    with pytest.raises(runtime_py.InputError, match=r"input 0 \('input'\) dimension 0: size 'batch' = 9 outside "
                                                    r"the exported range \[1, 8\]"):
        program.run("forward", np.zeros((9, 20), np.float32))
    with pytest.raises(runtime_py.InputError, match=r"input 0 \('input'\): dimension 0 is 9, expected at most 8"):
        runtime_py.load(export_module(model, (x,), dynamic=[BATCH]), backend="c").run(
            "forward", np.zeros((9, 20), np.float32))


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(8 * 16 * 16, 10)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))


def test_batch_1_example_with_a_dynamic_batch():
    """The example most users give: batch 1. torch.export would specialize the size-1
    dimension; the exporter traces with the example doubled along it and keeps the user's
    example as the bundled test case."""
    torch.manual_seed(0)
    model = SmallCNN().eval()
    x = torch.randn(1, 3, 32, 32)
    data = export_module(model, (x,), dynamic=[DynamicDim("batch", dim=0, max=64)])
    extra = [(torch.randn(b, 3, 32, 32),) for b in (2, 5, 64)]
    program = check_module(model, (x,), data=data, extra_inputs=extra)
    m = program.method()
    assert m.symbols == [("batch", 1, 64)]
    (case_inputs, case_outputs), = [(c[0], c[1]) for c in m.test_cases()]
    np.testing.assert_array_equal(case_inputs[0], x.numpy())
    assert case_outputs[0].shape == (1, 10)


def test_sequence_1_example_with_a_dynamic_sequence():
    model, _ = gpt_block()
    idx = torch.randint(0, 50, (1, 1))
    g = torch.Generator().manual_seed(6)
    extra = [(torch.randint(0, 50, (b, t), generator=g),) for b, t in [(1, 16), (3, 5), (8, 2)]]
    program = check_module(model, (idx,), dynamic=[BATCH, SEQ], extra_inputs=extra)
    assert program.method().symbols == [("batch", 1, 8), ("seq", 1, 16)]


class _StridedConv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class _LiteralView(torch.nn.Module):
    def forward(self, x):
        return x.reshape(2, -1)


class _TwoInputs(torch.nn.Module):
    def forward(self, x, y):
        return x + y[:, :4]


@pytest.mark.parametrize("model,inputs,dynamic,message", [
    (_LiteralView(), (torch.randn(2, 4),), [DynamicDim("batch", 0, 8)],
     r"batch: the model fixes this size to 2 \(a reshape or view with a literal size\?\): it cannot run at "
     r"other sizes, so export it without a dynamic batch$"),
    (_TwoInputs(), (torch.randn(2, 4), torch.randn(2, 6)), [DynamicDim("seq", 1, 8)],
     r"seq is one size for dimension 1 of every input, but the example's input 'y' has 6 there and input 'x' "
     r"has 4$"),
])
def test_constraints_in_the_users_words(model, inputs, dynamic, message):
    with pytest.raises(ExportError, match=message) as info:
        export_module(model.eval(), inputs, dynamic=dynamic)
    assert "\n" not in str(info.value) and "L['" not in str(info.value)


def test_a_narrower_range_that_works_is_taken_and_said():
    """torch.export's guard (h - 1) // 2 + 1 != 1 excludes h = 1, 2: the sizes that work are
    found by evaluating the guard over the asked range; the export takes 3..64 and says so."""
    torch.manual_seed(0)
    model = _StridedConv().eval()
    with pytest.warns(ExportWarning, match=r"'_StridedConv' exported for h in 3\.\.64, not the range asked: h \(input "
                                           r"'x' dimension 2\): torch.export's guards allow sizes 3\.\.64 only: pass "
                                           r"min=3 \(DynamicDim\('h', dim=2, max=64, min=3\)\)$"):
        data = export_module(model, (torch.randn(2, 3, 32, 32),), dynamic=[DynamicDim("h", 2, 64)])
    program = check_module(model, (torch.randn(2, 3, 32, 32),), data=data,
                           extra_inputs=[(torch.randn(2, 3, h, 32),) for h in (3, 4, 33, 64)])
    assert program.method().symbols == [("h", 3, 64)]
