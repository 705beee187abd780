"""Dynamic batch and sequence sizes: memory is planned for the maximum and the
runtime accepts every size from 1 up to it, matching eager at each."""
import numpy as np
import pytest
import torch

import runtime_py
from exporter import DynamicDim, export_module
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
    with pytest.raises(runtime_py.InputError, match=r"batch' = 9 outside the exported range \[1, 8\]"):
        program.run("forward", np.zeros((9, 20), np.float32))
