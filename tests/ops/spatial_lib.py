"""Shared by the CONV_TRANSPOSE2D and GRID_SAMPLE tests: one ONNX node exported and run in both
runtimes, a program's first operator edited (hostile options), and the load-time refusals of
both runtimes."""
import os
import tempfile

import numpy as np
import onnx
import onnx.helper as oh

import crafted
import runtime_py
from exporter import export_module, export_onnx
from helpers import C_ATOL, C_RTOL, FLOAT_ATOL, FLOAT_RTOL
from runtime_py.c_backend import CProgram


def onnx_program(op, inputs, out_shape, constants=None, opset=18, **attrs):
    """The Ember program of a one-node ONNX model: `inputs` {name: example float32 array} are
    graph inputs, `constants` {name: array} initializers, read by the node in that order
    ("" for an absent optional input)."""
    constants = constants or {}
    names = list(inputs) + list(constants)
    node = oh.make_node(op, names, ["y"], **attrs)
    graph = oh.make_graph(
        [node], "g", [oh.make_tensor_value_info(n, onnx.TensorProto.FLOAT, v.shape) for n, v in inputs.items()],
        [oh.make_tensor_value_info("y", onnx.TensorProto.FLOAT, out_shape)],
        initializer=[onnx.numpy_helper.from_array(v, n) for n, v in constants.items()])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", opset)])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        return export_onnx(path)


def check_both(data, arrays, want):
    """Both runtimes on `arrays` against `want`, the C runtime against the Python one; the
    Python runtime's output."""
    got = runtime_py.load(data).run("forward", *arrays)[0]
    c_got = CProgram(data).run("forward", *arrays)[0]
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, atol=FLOAT_ATOL, rtol=FLOAT_RTOL)
    np.testing.assert_allclose(c_got, got, atol=C_ATOL, rtol=C_RTOL)
    return got


def first_op(method, opname):
    return next(op for op in method.operators if crafted.opcode_name(op.opcode) == opname)


def edited(model, inputs, opname, fn):
    """model exported, then fn(operator, method) applied to its first `opname` operator."""
    def edit(program):
        method = program.methods[0]
        fn(first_op(method, opname), method)
    return crafted.edit(export_module(model.eval(), tuple(inputs)), edit)


def _message(fn):
    try:
        fn()
    except runtime_py.EmberError as e:
        return str(e)
    return None


def refusals(data):
    """The load-time messages of both runtimes (None where one accepts the file)."""
    return (_message(lambda: runtime_py.load(data).method("forward")),
            _message(lambda: CProgram(data).method("forward")))
