"""Shared by the indexing tests (GATHER_ELEMENTS, SCATTER_ELEMENTS, SCATTER_ND): one ONNX node
exported and run in both runtimes, run-time errors and load-time refusals of both runtimes,
and export with a Core ATen overload kept whole that torch.export's default decompositions
would rewrite."""
import contextlib
import importlib
import os
import tempfile

import numpy as np
import onnx
import onnx.helper as oh
import torch

import crafted
import runtime_py
from exporter import export_module, export_onnx
from runtime_py.c_backend import CProgram

ONNX_TYPES = {np.dtype(np.float32): onnx.TensorProto.FLOAT, np.dtype(np.int64): onnx.TensorProto.INT64,
              np.dtype(np.int32): onnx.TensorProto.INT32, np.dtype(np.int8): onnx.TensorProto.INT8,
              np.dtype(np.uint8): onnx.TensorProto.UINT8, np.dtype(np.bool_): onnx.TensorProto.BOOL}


def onnx_node(op, inputs, out_shape, out_dtype=None, constants=None, opset=18, **attrs):
    """A one-node ONNX model of `op` exported to Ember: `inputs` {name: example array} are the
    graph inputs (in order), `constants` {name: array} initializers; the node reads them in
    the order given (inputs first). The output has `out_shape`, the first input's dtype unless
    `out_dtype`."""
    constants = constants or {}
    names = list(inputs) + list(constants)
    first = next(iter(inputs.values()))
    node = oh.make_node(op, names, ["y"], **attrs)
    graph = oh.make_graph(
        [node], "g", [oh.make_tensor_value_info(n, ONNX_TYPES[v.dtype], v.shape) for n, v in inputs.items()],
        [oh.make_tensor_value_info("y", ONNX_TYPES[np.dtype(out_dtype or first.dtype)], out_shape)],
        initializer=[onnx.numpy_helper.from_array(v, n) for n, v in constants.items()])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", opset)])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        return export_onnx(path, bundle_test=False)


def run_both(data, *arrays):
    """(Python runtime outputs, C runtime outputs) of data's forward on arrays."""
    return runtime_py.load(data).run("forward", *arrays), CProgram(data).run("forward", *arrays)


def _message(fn):
    try:
        fn()
    except runtime_py.EmberError as e:
        return str(e)
    return None


def run_errors(data, *arrays):
    """The run-time messages of both runtimes on arrays (None where one runs)."""
    return (_message(lambda: runtime_py.load(data).run("forward", *arrays)),
            _message(lambda: CProgram(data).run("forward", *arrays)))


def refusals(data):
    """The load-time messages of both runtimes (None where one accepts the file)."""
    return (_message(lambda: runtime_py.load(data).method("forward")),
            _message(lambda: CProgram(data).method("forward")))


def edited(model, inputs, fn):
    """model exported, then fn(method) applied to its first method (generated object API)."""
    def edit(program):
        fn(program.methods[0])
    return crafted.edit(export_module(model.eval(), tuple(inputs)), edit)


def first_op(method, opname):
    return next(op for op in method.operators if crafted.opcode_name(op.opcode) == opname)


@contextlib.contextmanager
def kept_whole(*overloads):
    """Export with `overloads` left out of the decomposition table: torch.export rewrites
    some Core ATen ops (select_scatter into a WHERE), which a .pt2 or another torch release
    may still hand over whole."""
    capture = importlib.import_module("exporter.frontends.torch.capture")
    original = capture.decompose

    def decompose(program):
        table = torch.export.default_decompositions()
        for op in overloads:
            table.pop(op, None)
        return program.run_decompositions(table)
    capture.decompose = decompose
    try:
        yield
    finally:
        capture.decompose = original
