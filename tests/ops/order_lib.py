"""Shared by the ordering tests (ARG_MAX, ARG_MIN, TOPK, REDUCE_PROD): one ONNX node exported
and run in both runtimes, and hostile option values refused by both loaders."""
import os
import tempfile

import numpy as np
import onnx
import onnx.helper as oh

import crafted
import runtime_py
from exporter import export_module, export_onnx
from runtime_py.c_backend import CProgram

ONNX_TYPES = {np.dtype(np.float32): onnx.TensorProto.FLOAT, np.dtype(np.int64): onnx.TensorProto.INT64,
              np.dtype(np.int32): onnx.TensorProto.INT32}


def onnx_node(op, x, out_shapes, out_types=(np.int64,), **attrs):
    """A one-node ONNX model (opset 13) of op on input x with the given outputs, exported."""
    outs = [f"y{i}" for i in range(len(out_shapes))]
    node = oh.make_node(op, ["x"], outs, **attrs)
    graph = oh.make_graph([node], "g", [oh.make_tensor_value_info("x", ONNX_TYPES[x.dtype], x.shape)],
                          [oh.make_tensor_value_info(o, ONNX_TYPES[np.dtype(t)], s)
                           for o, s, t in zip(outs, out_shapes, out_types)])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 13)])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        return export_onnx(path)


def run_both(data, *arrays):
    """(Python runtime outputs, C runtime outputs) of data's forward on arrays."""
    return runtime_py.load(data).run("forward", *arrays), CProgram(data).run("forward", *arrays)


def refusals(data):
    """The load-time messages of both runtimes (None where one accepts the file)."""
    def refusal(fn):
        try:
            fn()
        except runtime_py.EmberError as e:
            return str(e)
        return None
    return (refusal(lambda: runtime_py.load(data).method("forward")),
            refusal(lambda: CProgram(data).method("forward")))


def with_options(model, inputs, opname, fn):
    """model exported, then fn(options) applied to the options of its first `opname`."""
    def edit(program):
        ops = [op for op in program.methods[0].operators if crafted.opcode_name(op.opcode) == opname]
        fn(ops[0].options)
    return crafted.edit(export_module(model.eval(), tuple(inputs)), edit)
