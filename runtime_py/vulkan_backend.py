"""Run a program on a GPU through Ember's Vulkan backend (runtime_c/vulkan, docs/gpu.md).

    program = runtime_py.load("model.ember", backend="vulkan")
    outputs = program.run("forward", x)

The program is loaded and each method initialised by the C runtime (libember.so, as
backend="c"), then prepared on the GPU by libember_vulkan.so (`make -C runtime_c vulkan`)
through ctypes: the same Program/Method surface as the other backends.

Options (arguments, else the environment):
  allow_cpu     EMBER_VULKAN_ALLOW_CPU=1: a CPU device (lavapipe) may be used
  validation    EMBER_VULKAN_VALIDATION=1: the Khronos validation layer; any message it
                reports fails the call (and close())
  device        EMBER_VULKAN_DEVICE=N: that device index; default the best one
  loader        EMBER_VULKAN_LOADER=PATH: the Vulkan loader to dlopen (default libvulkan.so.1)
  library_path  EMBER_VULKAN_LIBRARY=PATH: libember_vulkan.so (default runtime_c/build/)
"""
from __future__ import annotations

import ctypes
import os

import numpy as np

from runtime_py import c_backend
from runtime_py.c_backend import DTYPE_CODES, DTYPES, STATUS_ERRORS, TensorInfo
from runtime_py.errors import EmberError, InputError

DEFAULT_LIBRARY = os.path.join(c_backend.ROOT, "runtime_c", "build", "libember_vulkan.so")
MESSAGE_BYTES = 256
UNSUPPORTED = 5


class VulkanUnavailable(EmberError):
    """No Vulkan loader, driver or suitable device, or an op, dtype or size the backend
    does not run (the C status EMBER_ERR_UNSUPPORTED)."""


class Options(ctypes.Structure):
    _fields_ = [("device_index", ctypes.c_int32), ("allow_cpu", ctypes.c_int32),
                ("validation", ctypes.c_int32), ("loader", ctypes.c_char_p)]


_lib = None


def library(path: str | None = None):
    """libember_vulkan.so, loaded after libember.so (one per process)."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    c_backend.library()   # libember.so first: libember_vulkan.so links against it
    path = path or os.environ.get("EMBER_VULKAN_LIBRARY") or DEFAULT_LIBRARY
    if not os.path.exists(path):
        raise EmberError(f"Vulkan backend library {path} not found: build it with `make -C runtime_c vulkan`")
    lib = ctypes.CDLL(path)
    P, I32, S = ctypes.c_void_p, ctypes.c_int32, ctypes.c_size_t
    sig = {
        "ember_vk_options_default": (None, [ctypes.POINTER(Options)]),
        "ember_vk_context_create": (ctypes.c_int, [ctypes.POINTER(Options), ctypes.POINTER(P)]),
        "ember_vk_context_message": (ctypes.c_char_p, [P]),
        "ember_vk_device_name": (ctypes.c_char_p, [P]),
        "ember_vk_device_type": (ctypes.c_char_p, [P]),
        "ember_vk_validation_messages": (I32, [P]),
        "ember_vk_context_destroy": (ctypes.c_int, [P, ctypes.c_char_p, S]),
        "ember_vk_method_prepare": (ctypes.c_int, [P, P, ctypes.POINTER(P)]),
        "ember_vk_method_message": (ctypes.c_char_p, [P]),
        "ember_vk_method_dispatch_count": (I32, [P]),
        "ember_vk_method_barrier_count": (I32, [P]),
        "ember_vk_method_set_input": (ctypes.c_int, [P, I32, ctypes.c_int, ctypes.POINTER(ctypes.c_int64), I32,
                                                     ctypes.c_void_p, S]),
        "ember_vk_method_run": (ctypes.c_int, [P]),
        "ember_vk_method_output": (ctypes.c_int, [P, I32, ctypes.POINTER(TensorInfo)]),
        "ember_vk_method_destroy": (None, [P]),
        "ember_vk_op_supported": (I32, [I32]),
        "ember_vk_method_reset_state": (ctypes.c_int, [P]),
        "ember_vk_method_state_size": (S, [P]),
        "ember_vk_method_read_state": (ctypes.c_int, [P, ctypes.c_void_p, S]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    if path == (os.environ.get("EMBER_VULKAN_LIBRARY") or DEFAULT_LIBRARY):
        _lib = lib
    return lib


def supported_ops(library_path: str | None = None) -> frozenset:
    """The names of the ops the Vulkan backend runs, as libember_vulkan.so answers
    (ember_vk_op_supported, the one list): no loader or device needed. Prepare still checks
    each operator's dtypes and sizes. Raises EmberError when the library is not built."""
    from runtime_py.loader import OPCODE_NAMES
    lib = library(library_path)
    return frozenset(name for code, name in OPCODE_NAMES.items() if lib.ember_vk_op_supported(int(code)))


def coverage(method, ops: frozenset | None = None) -> str:
    """One line on which of a method's operators a GPU would run: 'vulkan: 31 of 33 ops
    (missing: SIN x2)'; an op counts where the backend runs its opcode (ember_vk_op_supported:
    float and int8 forms alike); dynamic sizes are noted."""
    import collections
    ops = supported_ops() if ops is None else ops
    missing = collections.Counter(op for op in method.operators if op not in ops)
    total = len(method.operators)
    line = f"vulkan: {total - sum(missing.values())} of {total} ops"
    if missing:
        line += " (missing: " + ", ".join(f"{k} x{v}" for k, v in sorted(missing.items(),
                                                                       key=lambda kv: (-kv[1], kv[0]))) + ")"
    if getattr(method, "symbols", None):
        line += "; dynamic sizes do not run on the GPU yet"
    return line


def _error(status: int, message: str) -> EmberError:
    name = c_backend.library().ember_status_str(status).decode()
    cls = VulkanUnavailable if status == UNSUPPORTED else STATUS_ERRORS.get(status, EmberError)
    return cls(f"{message} ({name})")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class VulkanMethod:
    """A method initialised by libember and prepared on the GPU."""

    def __init__(self, program, name: str):
        self.program, self.name = program, name
        self.c_method = program.c_program.method(name)
        lib = program.lib
        handle = ctypes.c_void_p()
        status = lib.ember_vk_method_prepare(program.context, self.c_method.handle, ctypes.byref(handle))
        if status:
            raise _error(status, lib.ember_vk_context_message(program.context).decode(errors="replace"))
        self.handle = handle
        self.n_inputs, self.n_outputs = self.c_method.n_inputs, self.c_method.n_outputs
        self.dispatches = lib.ember_vk_method_dispatch_count(handle)
        self.barriers = lib.ember_vk_method_barrier_count(handle)

    @property
    def inputs(self):
        return self.c_method.inputs

    def _check(self, status):
        if status:
            raise _error(status, self.program.lib.ember_vk_method_message(self.handle).decode(errors="replace"))

    def run(self, *arrays):
        """Run on numpy arrays; returns copies of the outputs."""
        lib = self.program.lib
        if self.handle is None:
            raise EmberError(f"method '{self.name}' was closed")
        if len(arrays) != self.n_inputs:
            raise InputError(f"method '{self.name}' takes {self.n_inputs} input(s), got {len(arrays)}")
        for i, a in enumerate(arrays):
            a = np.ascontiguousarray(a).reshape(np.shape(a))
            if a.dtype not in DTYPE_CODES:
                raise InputError(f"input {i}: dtype {a.dtype} is not an Ember dtype")
            shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
            self._check(lib.ember_vk_method_set_input(self.handle, i, DTYPE_CODES[a.dtype], shape, a.ndim,
                                                      a.ctypes.data if a.nbytes else None, a.nbytes))
        self._check(lib.ember_vk_method_run(self.handle))
        outputs = []
        for i in range(self.n_outputs):
            info = TensorInfo()
            self._check(lib.ember_vk_method_output(self.handle, i, ctypes.byref(info)))
            dtype, shape = DTYPES[info.dtype], tuple(info.shape[:info.rank])
            if info.nbytes:
                buf = (ctypes.c_uint8 * info.nbytes).from_address(info.data)
                outputs.append(np.frombuffer(buf, dtype=dtype).reshape(shape).copy())
            else:
                outputs.append(np.zeros(shape, dtype=dtype))
        return outputs

    def reset_state(self):
        """The program's state (shared by its methods on this device) back to its initial values."""
        self._check(self.program.lib.ember_vk_method_reset_state(self.handle))

    def read_state(self) -> bytes:
        """A copy of the program's whole state block on the device (b'' without state)."""
        lib = self.program.lib
        size = lib.ember_vk_method_state_size(self.handle)
        buf = ctypes.create_string_buffer(max(size, 1))
        self._check(lib.ember_vk_method_read_state(self.handle, buf, size))
        return buf.raw[:size]

    def close(self):
        if self.handle is not None:
            self.program.lib.ember_vk_method_destroy(self.handle)
            self.handle = None


class VulkanProgram:
    """A program whose methods run on a Vulkan device. close() frees the device objects and
    raises if the validation layer reported anything during the program's life."""

    def __init__(self, source, allow_cpu: bool | None = None, validation: bool | None = None,
                 device: int | None = None, loader: str | None = None, library_path: str | None = None):
        self.context = None
        self._methods = {}
        self.lib = library(library_path)
        self.c_program = c_backend.CProgram(source)
        self.method_names = self.c_program.method_names
        options = Options()
        self.lib.ember_vk_options_default(ctypes.byref(options))
        options.allow_cpu = int(_env_flag("EMBER_VULKAN_ALLOW_CPU") if allow_cpu is None else allow_cpu)
        options.validation = int(_env_flag("EMBER_VULKAN_VALIDATION") if validation is None else validation)
        if device is None and os.environ.get("EMBER_VULKAN_DEVICE", "").strip():
            device = int(os.environ["EMBER_VULKAN_DEVICE"])
        options.device_index = -1 if device is None else device
        loader = loader or os.environ.get("EMBER_VULKAN_LOADER") or None
        self._loader = loader.encode() if loader else None   # kept alive for the call
        options.loader = self._loader
        handle = ctypes.c_void_p()
        status = self.lib.ember_vk_context_create(ctypes.byref(options), ctypes.byref(handle))
        if status:
            message = (self.lib.ember_vk_context_message(handle).decode(errors="replace") if handle.value
                       else "cannot allocate the Vulkan context")
            if handle.value:
                self.lib.ember_vk_context_destroy(handle, None, 0)
            raise _error(status, message)
        self.context = handle
        self.device_name = self.lib.ember_vk_device_name(handle).decode(errors="replace")
        self.device_type = self.lib.ember_vk_device_type(handle).decode()

    def method(self, name="forward") -> VulkanMethod:
        if name not in self.method_names:
            raise InputError(f"no method '{name}'; the program has {sorted(self.method_names)}")
        if self.context is None:
            raise EmberError("the Vulkan program was closed")
        if name not in self._methods:
            self._methods[name] = VulkanMethod(self, name)
        return self._methods[name]

    @property
    def methods(self):
        return {n: self.method(n) for n in self.method_names}

    def metadata(self, key):
        return self.c_program.metadata(key)

    @property
    def validation_messages(self) -> int:
        return self.lib.ember_vk_validation_messages(self.context) if self.context is not None else 0

    def run(self, method="forward", *arrays):
        return self.method(method).run(*arrays)

    def close(self):
        """Destroys the methods and the context; raises ExecutionError with the first
        message if the validation layer reported any (leaked objects included)."""
        if self.context is None:
            return
        for m in self._methods.values():
            m.close()
        self._methods.clear()
        buf = ctypes.create_string_buffer(MESSAGE_BYTES * 2)
        status = self.lib.ember_vk_context_destroy(self.context, buf, len(buf))
        self.context = None
        if status:
            raise _error(status, buf.value.decode(errors="replace"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:   # noqa: BLE001 - never raise from a finaliser
            pass
