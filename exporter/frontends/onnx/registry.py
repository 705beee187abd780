"""The ONNX front end's registry: one handler per ONNX op type, and the errors handlers raise.

A handler takes (importer, node, attributes), where importer is the import context
(importer.py), and emits Ember operators for the node's outputs."""
from exporter.errors import ExportError
from exporter.frontends import registrar


class Unsupported(Exception):
    pass


class TraceError(ExportError):
    """onnx's reference evaluator cannot run the model on the example inputs (for the
    backend: perhaps only on these inputs, e.g. a shape input of zeros)."""


class NeedsConstant(Unsupported):
    """An input Ember must know at export time (a shape, axes, pads, a weight) is computed
    at run time; `value` names it."""
    def __init__(self, value, what):
        super().__init__(f"{what} must be constant ('{value}' is computed at run time)")
        self.value = value


# ---- node handlers: (importer, node, attributes) ----------------------------------
HANDLERS: dict = {}
handles = registrar(HANDLERS)      # @handles("OpType", ...)
