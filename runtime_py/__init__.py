"""Ember's Python runtime: the readable reference implementation (numpy only).

    import runtime_py
    program = runtime_py.load("model.ember")        # maps the file, verifies it
    (logits,) = program.run("forward", image)        # numpy in, numpy out

Never imports torch or the exporter.
"""
from runtime_py.errors import (EmberError, ExecutionError, FormatError, InputError,
                               VerifyError, VersionError)
from runtime_py.program import Method, Program


def load(source, backend: str = "py"):
    """Load and verify a program from a path or bytes; raises FormatError (or a
    subclass) with a precise message if the file is not a valid Ember program.

    backend="py" is this numpy runtime; backend="c" drives the C runtime
    (runtime_c/build/libember.so) through ctypes with the same run() surface;
    backend="vulkan" runs it on a GPU through runtime_c/build/libember_vulkan.so
    (runtime_py/vulkan_backend.py; EMBER_VULKAN_ALLOW_CPU=1 accepts lavapipe)."""
    if backend == "py":
        return Program(source)
    if backend == "c":
        from runtime_py.c_backend import CProgram
        return CProgram(source)
    if backend == "vulkan":
        from runtime_py.vulkan_backend import VulkanProgram
        return VulkanProgram(source)
    raise ValueError(f"unknown backend {backend!r}: expected 'py', 'c' or 'vulkan'")


def kernel(op: str):
    """The float reference kernel of operator `op` (an OpCode name such as "SIGMOID"):
    kernel(*inputs, out, **options) writes the result into `out` in the inputs' precision.
    The exporter uses it for the tables of int8 elementwise operators."""
    import importlib
    stem = op.lower()
    return getattr(importlib.import_module(f"runtime_py.kernels.{stem}"), stem)


__all__ = ["load", "kernel", "Program", "Method", "EmberError", "FormatError", "VersionError",
           "VerifyError", "InputError", "ExecutionError"]
