"""REFLECTION_PAD: F.pad mode "reflect" on 2-D to 5-D inputs (aten.reflection_pad1d/2d/3d),
nn.ReflectionPad1d/2d/3d, asymmetric pads up to size - 1, rows past vector widths, int64
data, negative pads (torch crops: the pad then a SLICE), a dynamic length; a pad
not smaller than its dimension refused by both loaders, at load and at a smaller bound size;
ONNX Pad mode reflect (with axes; past the edge refused at export).

The capture keeps these pads whole (torch's default decompositions would rewrite them into
index arithmetic): exporter/frontends/torch/capture.py KEPT_WHOLE."""
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper

import crafted
import runtime_py
from exporter import DynamicDim, ExportError, export_onnx
from helpers import export_load
from oplib import Fn1, check_op



CASES = [((2, 17), (3, 5)), ((2, 3, 8), (2, 1)), ((1, 2, 33), (0, 32)), ((1, 2, 5, 6), (1, 2, 3, 0)),
         ((2, 3, 17, 4), (3, 3, 1, 1)), ((1, 2, 4, 5, 6), (1, 1, 2, 0, 1, 2)), ((1, 1, 3, 3, 3), (2, 2, 2, 2, 2, 2)),
         ((0, 3, 4), (1, 2))]


def pad_cases(mode):
    return [pytest.param(shape, pad, id=f"{len(shape)}d-{'-'.join(map(str, pad))}") for shape, pad in CASES]


def assert_refused_by_both(data, message):
    for backend in ("py", "c"):
        with pytest.raises(runtime_py.VerifyError, match=message):
            runtime_py.load(data, backend=backend).method("forward")


def with_pads(data, op_name, pads, x_shape=None):
    """The program with its pad op's pads replaced, and its input's shape (a method input:
    no larger than it was, so the memory plan still holds; the output keeps its size)."""
    def edit(p):
        m = p.methods[0]
        op = next(o for o in m.operators if crafted.opcode_name(o.opcode) == op_name)
        op.options.pads = pads
        if x_shape is not None:
            crafted.set_shape(m.tensors[op.inputs[0]], x_shape)
    return crafted.edit(data, edit)


@pytest.mark.parametrize("shape,pad", pad_cases("reflect"))
def test_reflection_pad(shape, pad):
    check_op(lambda x: F.pad(x, pad, mode="reflect"), (torch.randn(shape),), "REFLECTION_PAD")


@pytest.mark.parametrize("module,shape", [(nn.ReflectionPad1d((3, 1)), (2, 4, 9)), (nn.ReflectionPad1d(2), (3, 5)),
                                          (nn.ReflectionPad2d((1, 0, 2, 3)), (1, 3, 5, 4)),
                                          (nn.ReflectionPad3d(1), (1, 2, 3, 4, 5))])
def test_reflection_pad_modules(module, shape):
    check_op(module, (torch.randn(shape),), "REFLECTION_PAD")


def test_reflection_pad_int64():
    check_op(lambda x: F.pad(x, (2, 3), mode="reflect"), (torch.randint(-9, 9, (2, 3, 7)),), "REFLECTION_PAD")
    check_op(lambda x: F.pad(x, (1, 0, 0, 2), mode="reflect"), (torch.randint(-9, 9, (1, 3, 3, 4)),), "REFLECTION_PAD")


@pytest.mark.parametrize("pad", [(-1, 2), (2, -1), (3, -3), (-2, -1), (1, -1, -1, 2), (0, 0, -2, 0)])
def test_reflection_pad_negative_pads_crop(pad):
    x = torch.arange(60.0).reshape(1, 2, 5, 6) if len(pad) == 4 else torch.arange(12.0).reshape(1, 2, 6)
    ops = check_op(lambda t: F.pad(t, pad, mode="reflect"), (x,), "SLICE")
    assert ("REFLECTION_PAD" in ops) == any(p > 0 for p in pad)


def test_reflection_pad_dynamic_length():
    model = Fn1(lambda x: F.pad(x, (3, 2), mode="reflect"))
    check_op(model, (torch.randn(2, 3, 16),), "REFLECTION_PAD", dynamic=[DynamicDim("length", 2, 32, min=4)],
             extra_inputs=[(torch.randn(2, 3, 4),), (torch.randn(2, 3, 32),)])


def test_reflection_pad_not_smaller_than_its_dimension_is_refused():
    x = torch.randn(1, 2, 5)
    _, data = export_load(Fn1(lambda t: F.pad(t, (1, 2), mode="reflect")), (x,))    # output (1, 2, 8)
    assert_refused_by_both(with_pads(data, "REFLECTION_PAD", [0, 0, 0, 0, 4, 2], x_shape=[1, 2, 2]),
                           "smaller than its size 2")
    assert_refused_by_both(with_pads(data, "REFLECTION_PAD", [0, 0, 0, 0, -1, 4]), "pads")
    assert_refused_by_both(with_pads(data, "REFLECTION_PAD", [0, 0, 0, 0, 3, 1]), "does not give output|!= output")
    ok = with_pads(data, "REFLECTION_PAD", [0, 0, 0, 0, 0, 3])
    want = np.pad(x.numpy(), [(0, 0), (0, 0), (0, 3)], mode="reflect")
    for backend in ("py", "c"):
        np.testing.assert_array_equal(runtime_py.load(ok, backend=backend).run("forward", x.numpy())[0], want)


def test_reflection_pad_at_a_bound_size_too_small_is_refused():
    """A dynamic length: pads (3, 2) made (5, 0) (the same output) fit the maximum, checked
    at load, but not a smaller size bound at run time, checked again there by both."""
    model = Fn1(lambda x: F.pad(x, (3, 2), mode="reflect"))
    _, data = export_load(model, (torch.randn(2, 3, 16),), dynamic=[DynamicDim("length", 2, 32, min=4)])
    bad = with_pads(data, "REFLECTION_PAD", [0, 0, 0, 0, 5, 0])
    x = np.arange(6, dtype=np.float32) * np.ones((2, 3, 1), np.float32)
    for backend in ("py", "c"):
        program = runtime_py.load(bad, backend=backend)
        np.testing.assert_array_equal(program.run("forward", x)[0], np.pad(x, [(0, 0), (0, 0), (5, 0)], "reflect"))
        with pytest.raises(runtime_py.EmberError, match="smaller than its size 5"):
            program.run("forward", x[..., :5])


# ---- ONNX Pad, mode reflect (and edge: test_replication_pad.py) ---------------------------
def onnx_pad(tmp_path, x, pads, mode, axes=None):
    """The outputs of both runtimes for ONNX Pad (opset 18) of x with constant pads."""
    inits = [helper.make_tensor("pads", TensorProto.INT64, [len(pads)], pads)]
    names = ["x", "pads"]
    if axes is not None:
        inits += [helper.make_tensor("axes", TensorProto.INT64, [len(axes)], axes)]
        names += ["", "axes"]
    out = [n + pads[k] + pads[k + len(pads) // 2] for k, n in enumerate(x.shape if axes is None else
                                                                         [x.shape[a] for a in axes])]
    shape = list(x.shape)
    for k, a in enumerate(axes if axes is not None else range(x.ndim)):
        shape[a] = out[k]
    graph = helper.make_graph([helper.make_node("Pad", names, ["y"], mode=mode)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], initializer=inits)
    path = tmp_path / "pad.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString())
    data = export_onnx(str(path))
    return [runtime_py.load(data, backend=b).run("forward", x)[0] for b in ("py", "c")]


@pytest.mark.parametrize("pads", [[0, 2, 0, 3], [1, 0, 1, 4], [3, 1, 0, 4], [0, 0, 0, 0]])
def test_onnx_pad_reflect(tmp_path, pads):
    x = np.arange(30, dtype=np.float32).reshape(6, 5)
    for got in onnx_pad(tmp_path, x, pads, "reflect"):
        np.testing.assert_array_equal(got, np.pad(x, [(pads[0], pads[2]), (pads[1], pads[3])], mode="reflect"))


def test_onnx_pad_reflect_axes(tmp_path):
    x = np.arange(90, dtype=np.float32).reshape(3, 6, 5)
    for got in onnx_pad(tmp_path, x, [2, 1, 3, 4], "reflect", axes=[-1, 1]):
        np.testing.assert_array_equal(got, np.pad(x, [(0, 0), (1, 4), (2, 3)], mode="reflect"))


def test_onnx_pad_reflect_past_the_edge_is_refused(tmp_path):
    with pytest.raises(ExportError, match="reflect pads"):
        onnx_pad(tmp_path, np.zeros((2, 3), np.float32), [0, 3, 0, 0], "reflect")
