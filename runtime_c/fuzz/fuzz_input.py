"""The fuzz target's input format in Python (fuzz_input.h is the definition): a 40-byte
header (magic "EFZ1", a thread byte, 8 u32 dynamic-size picks), then the program file."""
import struct

MAGIC = b"EFZ1"
HEADER_BYTES = 40
PICK_MAX = 0xFFFFFFFF


def wrap(program: bytes, picks=(), threads: int = 1) -> bytes:
    """A fuzz input running `program` on `threads` tasks at the sizes `picks` choose
    (one per symbol, in the method's symbol order; missing ones take the maximum)."""
    picks = list(picks) + [PICK_MAX] * (8 - len(picks))
    return MAGIC + bytes([threads - 1, 0, 0, 0]) + struct.pack("<8I", *picks) + program


def split(data: bytes):
    """(threads, picks, program bytes); a bare program gets one thread and the maxima."""
    if len(data) >= HEADER_BYTES and data[:4] == MAGIC:
        return 1 + data[4] % 3, list(struct.unpack("<8I", data[8:HEADER_BYTES])), data[HEADER_BYTES:]
    return 1, [PICK_MAX] * 8, data


def pick_value(pick: int, lo: int, hi: int) -> int:
    """The size a pick gives a symbol of range [lo, hi]."""
    return hi if pick == PICK_MAX else lo + pick % (hi - lo + 1)
