"""Writes the fuzzer's seed corpus (runtime_c/fuzz/corpus/) and the crafted reproducers
of the bugs found so far (runtime_c/fuzz/reproducers/), each as a fuzz input
(fuzz_input.py: header + program). Run from the repository root:

    .venv/bin/python runtime_c/fuzz/make_corpus.py [--only corpus|reproducers]

Seeds: small zoo programs, float, static int8, int8-dynamic and with dynamic sizes, each
at the maxima and (dynamic ones) at the minimum. Reproducers: files the loaders must
refuse or run correctly; tests/test_hostile_crafted.py builds the same files and checks
both runtimes on them, and `make test` replays these under the sanitizers."""
from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), HERE]

import numpy as np  # noqa: E402
import torch  # noqa: E402

import crafted  # noqa: E402
import fuzz_input  # noqa: E402
from exporter import DynamicDim, export_module  # noqa: E402
from test_dim_programs import HW, LENGTH, AudioEncoder, StridedCNN  # noqa: E402
from zoo_models import exported, exported_int8, gpt_block, mlp  # noqa: E402


class SliceMatmul(torch.nn.Module):
    """int8 BATCH_MATMULs whose K is the dynamic sequence minus one (x[:, 1:])."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 8)

    def forward(self, x):
        a = self.fc(x)
        q, k = a[:, :1, :], a[:, 1:, :]
        return (q @ k.transpose(1, 2)) @ k


def slice_matmul_int8() -> bytes:
    """Exported for seq in [3, 6] (torch.export's guards ask for 3 at least)."""
    torch.manual_seed(0)
    g = np.random.default_rng(0)
    calibration = [(g.standard_normal((2, 6, 8)).astype(np.float32),) for _ in range(4)]
    return export_module(SliceMatmul().eval(), (torch.randn(2, 6, 8),), quantize="int8",
                         calibration=calibration, dynamic=[DynamicDim("seq", dim=1, min=3, max=6)])


def seeds() -> dict:
    out = {}
    for name in ("mlp", "cnn", "audio", "unet"):
        out[name] = fuzz_input.wrap(exported(name)[2])
    for name in ("cnn", "transformer_encoder"):
        out[f"{name}_int8"] = fuzz_input.wrap(exported_int8(name)[2])
    model, inputs, _ = exported("gpt_block")
    out["gpt_block_int8_dynamic"] = fuzz_input.wrap(export_module(model, inputs, quantize="int8-dynamic"))
    model, (x,) = mlp()
    batch = export_module(model, (x,), dynamic=[DynamicDim("batch", 0, 8)])
    out["mlp_batch"] = fuzz_input.wrap(batch)
    out["mlp_batch_min"] = fuzz_input.wrap(batch, picks=[0], threads=2)
    model, (idx,) = gpt_block()
    seq = export_module(model, (idx,), dynamic=[DynamicDim("batch", 0, 4), DynamicDim("seq", 1, 16)])
    out["gpt_block_batch_seq"] = fuzz_input.wrap(seq, picks=[2, 6], threads=3)
    torch.manual_seed(0)      # dimension programs (schema 2.2): sizes through strided layers
    hw = export_module(StridedCNN().eval(), (torch.randn(1, 3, 32, 32),), dynamic=HW)
    out["strided_cnn_hw"] = fuzz_input.wrap(hw, picks=[1, 5])
    out["audio_length_min"] = fuzz_input.wrap(
        export_module(AudioEncoder().eval(), (torch.randn(2, 1, 100),), dynamic=LENGTH), picks=[0])
    sm = slice_matmul_int8()
    out["slice_matmul_int8"] = fuzz_input.wrap(sm)
    out["slice_matmul_int8_min"] = fuzz_input.wrap(sm, picks=[0])
    return out


# ---- reproducers ------------------------------------------------------------------------
def int8_k_zero() -> bytes:
    """Issue 13.1: the slice-matmul program with its symbol's minimum lowered to 1, so
    seq = 1 gives the second int8 BATCH_MATMUL K = 0 (SIGFPE in the GEMM's panel count)."""
    def lower_min(p):
        p.methods[0].symbols[0].min = 1
    return crafted.edit(slice_matmul_int8(), lower_min)


def int8_k_zero_weight() -> bytes:
    """Issue 13.1 at memory sizing: an int8 FULLY_CONNECTED whose weight has K = 0 (the
    input's last dimension 0 too), consistent in every shape and nbytes."""
    data = exported_int8("cnn")[2]

    def zero_k(p):
        m = p.methods[0]
        for op in m.operators:
            if crafted.opcode_name(op.opcode) == "FULLY_CONNECTED" and m.tensors[op.inputs[1]].dtype == 1:
                x, w = m.tensors[op.inputs[0]], m.tensors[op.inputs[1]]
                crafted.set_shape(w, [w.shape[0], 0])
                crafted.set_shape(x, list(x.shape[:-1]) + [0])
                return
        raise AssertionError("no int8 FULLY_CONNECTED in the cnn")
    return crafted.edit(data, zero_k)


def zero_huge_dims() -> bytes:
    """Issue 13.2: a zero-element tensor whose other dimensions multiply past 2^63
    ((0, 2^40, 2^40), nbytes 0): must be refused at load."""
    def huge(p):
        m = p.methods[0]
        t = m.tensors[m.operators[0].outputs[0]]
        crafted.set_shape(t, [0, 1 << 40, 1 << 40] + list(t.shape[3:]))
    return crafted.edit(exported("mlp")[2], huge)


def _first_conv(p):
    m = p.methods[0]
    for op in m.operators:
        if crafted.opcode_name(op.opcode) == "CONV2D":
            return op, m.tensors[op.inputs[0]], m.tensors[op.inputs[1]]
    raise AssertionError("no CONV2D in the program")


def conv_huge_groups() -> bytes:
    """Issue 13.2: CONV2D with no input channels, a weight (0, 2^33, 3, 3) and groups
    2^31 - 1: every divisibility holds, and the check's weight channels x groups
    overflowed int64."""
    def edit(p):
        op, x, w = _first_conv(p)
        crafted.set_shape(x, [x.shape[0], 0] + list(x.shape[2:]))
        crafted.set_shape(w, [0, 1 << 33] + list(w.shape[2:]))
        op.options.groups = 2**31 - 1
    return crafted.edit(exported("cnn")[2], edit)


def conv_huge_dilation() -> bytes:
    """Issue 13.2: CONV2D with a weight (0, 0, 2^33, 1) and dilation 2^31 - 1: the
    dilated kernel's extent overflowed int64 in the check."""
    def edit(p):
        op, x, w = _first_conv(p)
        crafted.set_shape(x, [x.shape[0], 0] + list(x.shape[2:]))
        crafted.set_shape(w, [0, 0, 1 << 33, 1])
        op.options.dilationH = 2**31 - 1
    return crafted.edit(exported("cnn")[2], edit)


def shared_indices() -> bytes:
    """Issue 13.3: 2^16 operator entries sharing one table with 2^15 inputs: 2^31 indices
    in a file of 400 KB. (With ops of valid input counts the same needs CONCATs of 64
    inputs shared 2^25 times, a 132 MB file; the count is checked before any operator,
    so this smaller file reaches the same check.)"""
    def share(p):
        m = p.methods[0]
        op = m.operators[0]
        op.inputs = np.zeros(1 << 15, np.int32)
        m.operators = [crafted.Shared(op)] * (1 << 16)
    return crafted.edit(exported("mlp")[2], share)


def reproducers() -> dict:
    return {"int8_k_zero_run": fuzz_input.wrap(int8_k_zero(), picks=[0]),
            "int8_k_zero_weight": fuzz_input.wrap(int8_k_zero_weight()),
            "zero_huge_dims": fuzz_input.wrap(zero_huge_dims()),
            "conv_huge_groups": fuzz_input.wrap(conv_huge_groups()),
            "conv_huge_dilation": fuzz_input.wrap(conv_huge_dilation()),
            "shared_indices": fuzz_input.wrap(shared_indices())}


def write(folder: str, files: dict) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name + ".efz"), "wb") as f:
            f.write(data)
        print(f"{os.path.relpath(folder, ROOT)}/{name}.efz: {len(data)} bytes")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["corpus", "reproducers"])
    args = ap.parse_args()
    if args.only != "reproducers":
        write(os.path.join(HERE, "corpus"), seeds())
    if args.only != "corpus":
        write(os.path.join(HERE, "reproducers"), reproducers())


if __name__ == "__main__":
    main()
