"""Typed exceptions of the Python runtime. Each message names the field, the
index and the bound that failed, like the C runtime's messages."""


class EmberError(Exception):
    """Base class of every error the runtime raises."""


class FormatError(EmberError):
    """Not an Ember program, truncated, or structurally malformed."""


class VersionError(FormatError):
    """The file's schema major version is newer than this runtime's."""


class VerifyError(FormatError):
    """The file parses but an index, offset, size, dtype or shape is out of range."""


class InputError(EmberError):
    """Run-time inputs of the wrong count, dtype or shape."""


class ExecutionError(EmberError):
    """A data-dependent failure while running (e.g. a gather index out of range)."""
