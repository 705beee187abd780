"""Serializer: a planned IR graph -> program bytes. It writes; it decides nothing.

Layout: the FlatBuffer, zero padding to a multiple of 64, then the constant
segment in which every constant (and bundled test-case tensor) starts at a
64-byte aligned offset.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import flatbuffers
import numpy as np

from exporter.ir import DTYPE_NAMES, Graph
from schema import CONSTANT_ALIGNMENT, FILE_IDENTIFIER, VERSION_MAJOR, VERSION_MINOR, fb
from schema import layout as _layout
from schema.ops import SPECS

LAYOUT_PACKERS = {"PANELS16": _layout.pack}


@dataclass
class TestCase:
    inputs: list
    outputs: list
    atol: float = 1e-4
    rtol: float = 1e-4


@dataclass
class MethodSpec:
    name: str
    graph: Graph
    test_cases: list = field(default_factory=list)


class _Segment:
    def __init__(self):
        self.chunks = []
        self.size = 0
        self.by_id = {}

    def add(self, array: np.ndarray) -> tuple:
        """Append `array` (deduplicated by content); returns (offset, nbytes)."""
        data = np.ascontiguousarray(array).tobytes()
        key = hashlib.sha256(data).digest()
        if key in self.by_id:
            return self.by_id[key]
        pad = -self.size % CONSTANT_ALIGNMENT
        if pad:
            self.chunks.append(b"\0" * pad)
            self.size += pad
        where = (self.size, len(data))
        self.chunks.append(data)
        self.size += len(data)
        self.by_id[key] = where
        return where


def _dtype_code(dtype) -> int:
    return getattr(fb.DType, DTYPE_NAMES[np.dtype(dtype)])


def _options(op: str, options: dict):
    table = SPECS[op].options
    if table is None:
        if options:
            raise ValueError(f"{op} takes no options, got {options}")
        return fb.Options.NONE, None
    obj = getattr(fb, table + "T")()
    for key, value in options.items():
        if not hasattr(obj, _camel(key)):
            raise ValueError(f"{table} has no field {key}")
        setattr(obj, _camel(key), value)
    return getattr(fb.Options, table), obj


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.capitalize() for w in rest)


def _tensor_data(array: np.ndarray, segment: _Segment):
    td = fb.TensorDataT()
    td.dtype = _dtype_code(array.dtype)
    td.shape = [int(n) for n in array.shape]
    td.offset, td.nbytes = segment.add(array)
    return td


def _dim_program(steps):
    prog = fb.DimProgramT()
    prog.steps = []
    for op, value in steps:
        step = fb.DimStepT()
        step.op, step.value = getattr(fb.DimOp, op), int(value)
        prog.steps.append(step)
    return prog


@dataclass
class _State:
    """The program's state memory: each state key's slot (offset, dtype, shape), in the
    order the methods first name them."""
    slots: dict = field(default_factory=dict)   # key -> (offset, dtype, shape, init or None)
    size: int = 0

    def slot(self, key, t, init) -> int:
        shape = tuple(int(d.add) for d in t.dims)
        if key not in self.slots:
            nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(t.dtype).itemsize
            self.slots[key] = (self.size, np.dtype(t.dtype), shape, init)
            self.size += -(-max(nbytes, 1) // 16) * 16
        offset, dtype, have, _ = self.slots[key]
        if (dtype, have) != (np.dtype(t.dtype), shape):
            raise ValueError(f"state '{key}' is {dtype}{list(have)} in one method, {t.dtype}{list(shape)} in another")
        return offset

    def tables(self, segment) -> list:
        out = []
        for key, (offset, dtype, shape, init) in self.slots.items():
            st = fb.StateTensorT()
            st.name, st.dtype, st.shape, st.offset = key, _dtype_code(dtype), list(shape), offset
            st.nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if init is not None and np.any(init):
                st.initial = _tensor_data(np.ascontiguousarray(init, dtype).reshape(shape), segment)
            out.append(st)
        return out


def _tensor(name, t, g, maxv, segment: _Segment, state: _State):
    """One IR tensor as a Tensor table: its storage (arena, constant data, a state slot)."""
    ft = fb.TensorT()
    ft.name = name
    ft.dtype = _dtype_code(t.dtype)
    ft.shape = [int(n) for n in t.shape(maxv)]
    if not t.is_static:
        ft.dims = []
        for d in t.dims:
            de = fb.DimExprT()
            de.coeff, de.add, de.symA, de.symB = d.coeff, d.add, d.sym_a, d.sym_b
            ft.dims.append(de)
        if any(d.program for d in t.dims):       # schema 2.2: coeff -1 dims
            ft.dimPrograms = [_dim_program(d.program) for d in t.dims]
    if t.state is not None:
        if not t.is_static:
            raise ValueError(f"state tensor {name} has dynamic dimensions")
        ft.storage = fb.Storage.STATE
        ft.offset = state.slot(t.state, t, g.state.get(t.state))
        ft.nbytes = g.max_nbytes(name)
    elif t.is_constant:
        ft.storage = fb.Storage.CONSTANT
        layout = g.layouts.get(name, "ROW_MAJOR")
        ft.layout = getattr(fb.Layout, layout)
        data = t.data if layout == "ROW_MAJOR" else LAYOUT_PACKERS[layout](t.data)
        ft.offset, ft.nbytes = segment.add(data)
    else:
        ft.storage = fb.Storage.ARENA
        ft.offset = t.offset
        ft.nbytes = g.max_nbytes(name)
    if t.quant is not None:
        q = fb.QuantizationT()
        q.scale = [float(v) for v in t.quant.scale]
        q.zeroPoint = [int(v) for v in t.quant.zero_point]
        q.axis = int(t.quant.axis)
        ft.quantization = q
    ft.eager = t.eager or None
    return ft


def _method(spec: MethodSpec, segment: _Segment, state: _State):
    g = spec.graph
    index = {name: i for i, name in enumerate(g.tensors)}
    maxv = g.max_values()
    m = fb.MethodT()
    m.name = spec.name
    m.tensors = []
    for name, t in g.tensors.items():
        m.tensors.append(_tensor(name, t, g, maxv, segment, state))
    m.inputs = [index[n] for n in g.inputs]
    m.outputs = [index[n] for n in g.outputs]
    m.operators = []
    for node in g.nodes:
        op = fb.OperatorT()
        op.opcode = getattr(fb.OpCode, node.op)
        op.inputs = [-1 if n is None else index[n] for n in node.inputs]
        op.outputs = [index[n] for n in node.outputs]
        op.optionsType, op.options = _options(node.op, node.options)
        op.source = node.source or None
        op.node = node.origin or None
        op.module = node.module or None
        if node.quant is not None:
            qp = fb.QuantParamsT()
            for key, value in node.quant.items():
                if not hasattr(qp, _camel(key)):
                    raise ValueError(f"QuantParams has no field {key}")
                if key == "shift":        # [byte]: numpy int8 (flatc's Python writes list bytes as uint8)
                    value = np.asarray(value, np.int8)
                elif isinstance(value, (list, tuple)):
                    value = [int(v) for v in value]
                else:
                    value = int(value)
                setattr(qp, _camel(key), value)
            op.quant = qp
        m.operators.append(op)
    m.symbols = []
    for s in g.symbols:
        fs = fb.SymbolT()
        fs.name, fs.min, fs.max = s.name, s.min, s.max
        m.symbols.append(fs)
    m.arenaSize = g.arena_size
    m.liveBytesLowerBound = g.live_bytes_lower_bound
    m.testCases = []
    for case in spec.test_cases:
        tc = fb.TestCaseT()
        tc.inputs = [_tensor_data(a, segment) for a in case.inputs]
        tc.outputs = [_tensor_data(a, segment) for a in case.outputs]
        tc.atol, tc.rtol = case.atol, case.rtol
        m.testCases.append(tc)
    return m


def serialize(methods: list, metadata: dict) -> bytes:
    segment, state = _Segment(), _State()
    program = fb.ProgramT()
    program.versionMajor, program.versionMinor = VERSION_MAJOR, VERSION_MINOR
    program.methods = [_method(spec, segment, state) for spec in methods]
    if state.slots:
        program.state, program.stateSize = state.tables(segment), state.size
    program.metadata = []
    for key, value in metadata.items():
        kv = fb.KeyValueT()
        kv.key, kv.value = str(key), str(value)
        program.metadata.append(kv)
    program.constantSegmentSize = segment.size

    def build(segment_offset):
        program.constantSegmentOffset = segment_offset
        builder = flatbuffers.Builder(4096)
        builder.Finish(program.Pack(builder), file_identifier=FILE_IDENTIFIER)
        return bytes(builder.Output())

    # The offset field is always present, so the buffer's size does not depend on its value.
    size = len(build(1 << 40))
    offset = -(-size // CONSTANT_ALIGNMENT) * CONSTANT_ALIGNMENT
    head = build(offset)
    assert len(head) == size, "FlatBuffer size changed between passes"
    return head + b"\0" * (offset - size) + b"".join(segment.chunks)
