"""Drive the C runtime (runtime_c/build/libember.so) from Python through ctypes.

    program = runtime_py.load("model.ember", backend="c")
    outputs = program.run("forward", x)

The same Program/Method surface as the numpy runtime, so tests and `ember run
--runtime c` exercise the real embedded code. The library is found through
$EMBER_LIBRARY, else runtime_c/build/libember.so beside this package (built by
`make setup` / `make -C runtime_c`).

A program with state (schema 2.4) gets one state block per CProgram, set to its initial
values at load and bound to every method it creates (methods of one program share it; two
loads keep two states): `program.state`, `program.reset_state()`, `program.state_tensors`.
"""
from __future__ import annotations

import ctypes
import mmap
import os

import numpy as np

from runtime_py.errors import (EmberError, ExecutionError, FormatError, InputError, VerifyError,
                               VersionError)

MAX_RANK = 8
PROGRAM_BYTES = 512
ALIGN = 64
DTYPES = [np.dtype(np.float32), np.dtype(np.int8), np.dtype(np.int32), np.dtype(np.int64),
          np.dtype(np.bool_), np.dtype(np.uint8), np.dtype(np.float16), np.dtype(np.float64)]
DTYPE_CODES = {d: i for i, d in enumerate(DTYPES)}
STATUS_ERRORS = {1: EmberError, 2: FormatError, 3: VersionError, 4: VerifyError, 5: VerifyError,
                 6: EmberError, 7: InputError, 8: ExecutionError, 9: EmberError}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LIBRARY = os.path.join(ROOT, "runtime_c", "build", "libember.so")


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("rank", ctypes.c_int32),
                ("shape", ctypes.c_int64 * MAX_RANK), ("data", ctypes.c_void_p),
                ("nbytes", ctypes.c_size_t)]


_lib = None


def library(path: str | None = None):
    """The loaded libember.so (one per process)."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    path = path or os.environ.get("EMBER_LIBRARY") or DEFAULT_LIBRARY
    if not os.path.exists(path):
        raise EmberError(f"C runtime library {path} not found: build it with `make -C runtime_c`")
    lib = ctypes.CDLL(path)
    P, I32, S, VP = ctypes.c_void_p, ctypes.c_int32, ctypes.c_size_t, ctypes.c_void_p
    sig = {
        "ember_status_str": (ctypes.c_char_p, [ctypes.c_int]),
        "ember_program_load": (ctypes.c_int, [VP, S, VP, S, ctypes.POINTER(P)]),
        "ember_program_message": (ctypes.c_char_p, [P]),
        "ember_program_method_count": (I32, [P]),
        "ember_program_method_name": (ctypes.c_char_p, [P, I32]),
        "ember_program_metadata": (ctypes.c_char_p, [P, ctypes.c_char_p]),
        "ember_method_memory_size": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.POINTER(S)]),
        "ember_method_init": (ctypes.c_int, [P, ctypes.c_char_p, VP, S, ctypes.POINTER(P)]),
        "ember_method_message": (ctypes.c_char_p, [P]),
        "ember_method_input_count": (I32, [P]),
        "ember_method_output_count": (I32, [P]),
        "ember_method_input_info": (ctypes.c_int, [P, I32, ctypes.POINTER(TensorInfo)]),
        "ember_method_set_input": (ctypes.c_int, [P, I32, ctypes.c_int, ctypes.POINTER(ctypes.c_int64),
                                                  I32, VP, S]),
        "ember_method_bind_input": (ctypes.c_int, [P, I32, ctypes.c_int, ctypes.POINTER(ctypes.c_int64),
                                                   I32, VP, S]),
        "ember_method_run": (ctypes.c_int, [P]),
        "ember_method_output": (ctypes.c_int, [P, I32, ctypes.POINTER(TensorInfo)]),
        "ember_method_test_case_count": (I32, [P]),
        "ember_program_state_size": (S, [P]),
        "ember_program_state_init": (ctypes.c_int, [P, VP, S]),
        "ember_method_set_state": (ctypes.c_int, [P, VP, S]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    if path == (os.environ.get("EMBER_LIBRARY") or DEFAULT_LIBRARY):
        _lib = lib
    return lib


def _aligned(nbytes: int) -> tuple[np.ndarray, int]:
    """A zeroed numpy buffer and the ALIGN-aligned address inside it."""
    try:
        raw = np.zeros(nbytes + ALIGN, dtype=np.uint8)
    except MemoryError:   # the size comes from the file: an error of the program, not a crash
        raise ExecutionError(f"cannot allocate {nbytes:,} bytes for the C runtime") from None
    addr = raw.ctypes.data
    return raw, addr + (-addr) % ALIGN


def _raise(lib, status, message):
    name = lib.ember_status_str(status).decode()
    raise STATUS_ERRORS.get(status, EmberError)(f"{message} ({name})")


class CMethod:
    def __init__(self, program, name: str):
        self.program, self.name = program, name
        lib = program.lib
        need = ctypes.c_size_t()
        status = lib.ember_method_memory_size(program.handle, name.encode(), ctypes.byref(need))
        if status:
            _raise(lib, status, f"method '{name}': cannot size its memory")
        self._mem, addr = _aligned(need.value)
        handle = ctypes.c_void_p()
        status = lib.ember_method_init(program.handle, name.encode(), addr, need.value, ctypes.byref(handle))
        if status:
            msg = lib.ember_method_message(handle).decode() if handle.value else "init failed"
            _raise(lib, status, msg)
        self.handle = handle
        if program.state_bytes:   # the program's one state block, shared by all its methods
            self._check(lib.ember_method_set_state(handle, program._state_addr, program.state_bytes))
        self.memory_bytes = need.value
        self.n_inputs = lib.ember_method_input_count(handle)
        self.n_outputs = lib.ember_method_output_count(handle)

    def _check(self, status):
        if status:
            _raise(self.program.lib, status, self.program.lib.ember_method_message(self.handle).decode())

    @property
    def inputs(self):
        out = []
        for i in range(self.n_inputs):
            info = TensorInfo()
            self._check(self.program.lib.ember_method_input_info(self.handle, i, ctypes.byref(info)))
            out.append({"name": info.name.decode(), "dtype": DTYPES[info.dtype].name,
                        "shape": list(info.shape[:info.rank])})
        return out

    def run(self, *arrays, bind=False):
        """Run on numpy arrays; returns copies of the outputs. `bind=True` lets the
        C runtime read the inputs in place instead of copying them into its arena."""
        lib = self.program.lib
        if len(arrays) != self.n_inputs:
            raise InputError(f"method '{self.name}' takes {self.n_inputs} input(s), got {len(arrays)}")
        keep = []
        for i, a in enumerate(arrays):
            a = np.ascontiguousarray(a).reshape(np.shape(a))   # keeps rank 0
            if a.dtype not in DTYPE_CODES:
                raise InputError(f"input {i}: dtype {a.dtype} is not an Ember dtype")
            keep.append(a)
            shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
            fn = lib.ember_method_bind_input if bind else lib.ember_method_set_input
            self._check(fn(self.handle, i, DTYPE_CODES[a.dtype], shape, a.ndim,
                           a.ctypes.data if a.nbytes else self._mem.ctypes.data, a.nbytes))
        self._check(lib.ember_method_run(self.handle))
        outputs = []
        for i in range(self.n_outputs):
            info = TensorInfo()
            self._check(lib.ember_method_output(self.handle, i, ctypes.byref(info)))
            dtype = DTYPES[info.dtype]
            shape = tuple(info.shape[:info.rank])
            if info.nbytes:
                buf = (ctypes.c_uint8 * info.nbytes).from_address(info.data)
                outputs.append(np.frombuffer(buf, dtype=dtype).reshape(shape).copy())
            else:
                outputs.append(np.zeros(shape, dtype=dtype))
        del keep
        return outputs


class CProgram:
    """A program loaded and verified by the C runtime; methods are created on first use."""

    def __init__(self, source, library_path: str | None = None):
        self.lib = library(library_path)
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            self._file, addr = _aligned(len(data))
            ctypes.memmove(addr, data, len(data))
            size = len(data)
            self._file_off = addr - self._file.ctypes.data
        else:
            path = os.fspath(source)
            if not os.path.isfile(path):
                raise FormatError(f"{path}: no such file")
            size = os.path.getsize(path)
            if size == 0:
                raise FormatError(f"{path}: empty file, not an Ember program")
            with open(path, "rb") as f:
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            self._file = np.frombuffer(self._map, dtype=np.uint8)   # page-aligned, no copy
            addr = self._file.ctypes.data
            self._file_off = 0
        self._mem, mem_addr = _aligned(PROGRAM_BYTES)
        handle = ctypes.c_void_p()
        status = self.lib.ember_program_load(mem_addr, PROGRAM_BYTES, addr, size, ctypes.byref(handle))
        if status:
            msg = self.lib.ember_program_message(handle).decode() if handle.value else "load failed"
            _raise(self.lib, status, msg)
        self.handle = handle
        self.file_size = size
        # State (schema 2.4): one aligned block for the program's state tensors, kept across
        # runs and bound to every method created here; set to its initial values now.
        self.state_bytes = int(self.lib.ember_program_state_size(handle))
        self._state_mem, self._state_addr = _aligned(self.state_bytes)
        self.reset_state()
        self._methods = {}
        count = self.lib.ember_program_method_count(handle)
        self.method_names = [self.lib.ember_program_method_name(handle, i).decode() for i in range(count)]

    @property
    def state(self) -> np.ndarray:
        """The state memory as a numpy uint8 array (a view: runs change it, writes reach the
        C runtime), as the numpy runtime's Program.state."""
        off = self._state_addr - self._state_mem.ctypes.data
        return self._state_mem[off:off + self.state_bytes]

    @property
    def state_tensors(self) -> list:
        """Every state tensor (name, dtype, shape, offset, nbytes, init), read from the file by
        the numpy runtime's parser (the C library reports only the total size)."""
        from runtime_py.program import Program
        return Program(self._source_bytes()).state_tensors

    def _source_bytes(self) -> bytes:
        return bytes(self._file[self._file_off:self._file_off + self.file_size])

    def reset_state(self):
        """Every state tensor back to its initial value (zeros where it has none)."""
        status = self.lib.ember_program_state_init(self.handle, self._state_addr, self.state_bytes)
        if status:
            _raise(self.lib, status, "cannot initialise the program's state")

    def method(self, name="forward") -> CMethod:
        if name not in self.method_names:
            raise InputError(f"no method '{name}'; the program has {sorted(self.method_names)}")
        if name not in self._methods:
            self._methods[name] = CMethod(self, name)
        return self._methods[name]

    @property
    def methods(self):
        return {n: self.method(n) for n in self.method_names}

    def metadata(self, key):
        value = self.lib.ember_program_metadata(self.handle, key.encode())
        return None if value is None else value.decode()

    def run(self, method="forward", *arrays, bind=False):
        return self.method(method).run(*arrays, bind=bind)
