"""Ember's Python runtime: the readable reference implementation (numpy only).

    import runtime_py
    program = runtime_py.load("model.ember")        # maps the file, verifies it
    (logits,) = program.run("forward", image)        # numpy in, numpy out

Never imports torch or the exporter.
"""
from runtime_py.errors import (EmberError, ExecutionError, FormatError, InputError,
                               VerifyError, VersionError)
from runtime_py.program import Method, Program


def load(source) -> Program:
    """Load and verify a program from a path or bytes; raises FormatError (or a
    subclass) with a precise message if the file is not a valid Ember program."""
    return Program(source)


__all__ = ["load", "Program", "Method", "EmberError", "FormatError", "VersionError",
           "VerifyError", "InputError", "ExecutionError"]
