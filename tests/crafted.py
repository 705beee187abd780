"""Crafted programs: a valid program's fields edited consistently, for regression tests
of hostile files (a dimension with its nbytes, a symbol's range, shared vectors).

`edit(data, fn)` unpacks the FlatBuffer into the generated object API, lets `fn` change
it, and packs it again in front of the unchanged constant segment (whose offset is
recomputed). runtime_c/fuzz/fuzz_input.py wraps a program in the fuzzer's header so the
C fuzz target replays it at chosen dynamic sizes."""
from __future__ import annotations

import flatbuffers

from schema import CONSTANT_ALIGNMENT, FILE_IDENTIFIER, fb

ITEM_BYTES = {fb.DType.FLOAT32: 4, fb.DType.INT8: 1, fb.DType.INT32: 4, fb.DType.INT64: 8,
              fb.DType.BOOL: 1, fb.DType.UINT8: 1, fb.DType.FLOAT16: 2, fb.DType.FLOAT64: 8}


def unpack(data: bytes):
    """(ProgramT, constant segment bytes)."""
    program = fb.ProgramT.InitFromPackedBuf(data, 0)
    off, size = program.constantSegmentOffset, program.constantSegmentSize
    return program, bytes(data[off:off + size])


def pack(program, segment: bytes) -> bytes:
    """The FlatBuffer, zero padding to the segment's alignment, then the segment."""
    for _ in range(4):   # the offset is a field of the buffer it locates: iterate to a fixed point
        builder = flatbuffers.Builder(1 << 16)
        builder.Finish(program.Pack(builder), file_identifier=FILE_IDENTIFIER)
        head = bytes(builder.Output())
        offset = -(-len(head) // CONSTANT_ALIGNMENT) * CONSTANT_ALIGNMENT
        if offset == program.constantSegmentOffset:
            return head + b"\0" * (offset - len(head)) + segment
        program.constantSegmentOffset = offset
    raise AssertionError("constant segment offset did not settle")


def edit(data: bytes, fn) -> bytes:
    program, segment = unpack(data)
    fn(program)
    return pack(program, segment)


def set_shape(tensor, shape):
    """A tensor's shape and its nbytes together (the loaders compare the two)."""
    tensor.shape = [int(v) for v in shape]
    count = 1
    for v in shape:
        count *= int(v)
    tensor.nbytes = count * ITEM_BYTES[tensor.dtype]


class Shared:
    """Packs the wrapped object once per builder: every reference to it shares one
    FlatBuffer table (the generated Pack would write a copy per reference)."""

    def __init__(self, obj):
        self.obj, self.offset, self.builder = obj, None, None

    def Pack(self, builder):  # noqa: N802 (the generated API's name)
        if self.builder is not builder:
            self.builder, self.offset = builder, self.obj.Pack(builder)
        return self.offset


_OPCODES = {v: k for k, v in vars(fb.OpCode).items() if not k.startswith("_")}


def opcode_name(code: int) -> str:
    return _OPCODES.get(code, f"#{code}")
