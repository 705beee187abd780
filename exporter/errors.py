"""Exceptions the exporter raises; the CLI prints their message on one line."""


class ExportError(Exception):
    """A model, an input or an option the exporter cannot handle, with the reason."""


class UnsupportedOpsError(ExportError):
    """One or more operators have no Ember lowering; the message lists them all."""


class ExportWarning(UserWarning):
    """The export succeeded with something other than what was asked (a narrower range of a
    dynamic size); the CLI prints it as one `ember: note:` line."""
