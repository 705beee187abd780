"""What the caller asks of an export: one ExportOptions, checked when it is made."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from exporter.errors import ExportError
from exporter.quantize.observe import METHODS as OBSERVERS



@dataclass
class DynamicDim:
    """Dimension `dim` of every input of rank > dim is dynamic, named `name`, from `min` up to
    `max`; with `multiple` k > 1, only the multiples of k (a U-Net whose skip connections meet
    upsampled maps needs its height and width divisible by 2 per level). The program's size
    is then the quotient, named `{name}_div{k}`, and the inputs' dimension k times it.
    `inputs` (positions of the example inputs) limits it to those inputs: a prefill's token ids
    (1, seq) and their positions (seq,) take DynamicDim("seq", 1, 16, inputs=(0,)) and
    DynamicDim("seq", 0, 16, inputs=(1,)), one size in two places."""
    name: str
    dim: int
    max: int
    min: int = 1
    multiple: int = 1
    inputs: tuple | None = None

    def applies(self, index: int, t) -> bool:
        """Whether it makes a dimension of input `index` (a tensor) dynamic."""
        return (self.inputs is None or index in self.inputs) and t.dim() > self.dim

    @property
    def symbol(self) -> str:
        return self.name if self.multiple == 1 else f"{self.name}_div{self.multiple}"

    def quotient_range(self) -> tuple:
        """(min, max) of the program's size: the quotients of the multiples in range."""
        k = self.multiple
        return -(-max(self.min, 1) // k), self.max // k


class QuantMode(str, Enum):
    """How the program is quantized (docs/quantization.md)."""
    INT8 = "int8"                          # int8 weights and activations, ranges from calibration
    INT8_DYNAMIC = "int8-dynamic"          # int8 linear weights, input rows quantized at run time
    INT8_WEIGHT_ONLY = "int8-weight-only"  # int8 linear weights, float arithmetic

    @classmethod
    def parse(cls, value) -> QuantMode | None:
        """None (float), a QuantMode, or its name as the CLI spells it ("int8-dynamic")."""
        if value is None or value == "" or isinstance(value, cls):
            return value or None
        try:
            return cls(value)
        except ValueError:
            raise ExportError(f"unknown quantization '{value}' (supported: "
                              f"{', '.join(m.value for m in cls)})") from None

    @property
    def calibrated(self) -> bool:
        """Whether the mode quantizes activations, from calibration ranges."""
        return self is QuantMode.INT8


@dataclass(frozen=True)
class ExportOptions:
    """method: the program's method name. bundle_test: store a test case (the example
    inputs and their expected outputs) in the program. verbose: progress on stderr.
    quantize: a QuantMode (or its name). calibration: for INT8, a .npy/.npz file or folder,
    `file.py:function`, or a list of input batches. observer: the calibration observer.
    keep_float: for INT8, names of operators to leave in float: an eager node (the `node`
    column of `ember validate --per-layer`), the eager value an operator computes, or a
    module path (every operator inside it). strip_debug: leave out the source lines and
    the eager mapping (Operator.node/module, Tensor.eager)."""
    method: str = "forward"
    bundle_test: bool = True
    verbose: bool = False
    quantize: QuantMode | None = None
    calibration: object = None
    observer: str = "minmax"
    keep_float: tuple = ()
    strip_debug: bool = False

    def __post_init__(self):
        mode = QuantMode.parse(self.quantize)
        object.__setattr__(self, "quantize", mode)
        if mode is not None and not mode.calibrated and self.calibration is not None:
            raise ExportError(f"--quantize {mode.value} needs no calibration data (it quantizes weights only)")
        if mode is QuantMode.INT8 and self.calibration is None:
            raise ExportError("--quantize int8 needs calibration data (--calibration DATA)")
        if mode is None and self.calibration is not None:
            raise ExportError("--calibration is for --quantize int8")
        names = (self.keep_float.split(",") if isinstance(self.keep_float, str) else list(self.keep_float or ()))
        object.__setattr__(self, "keep_float", tuple(n.strip() for n in names if n.strip()))
        if self.keep_float and mode is not QuantMode.INT8:
            raise ExportError("--keep-float is for --quantize int8")
        if self.observer not in OBSERVERS:
            raise ExportError(f"unknown calibration observer '{self.observer}' (choose from {', '.join(OBSERVERS)})")

    def recorded(self) -> dict:
        """The options a program records in its metadata (export_options)."""
        if self.quantize is None:
            return {}
        return {"quantize": self.quantize.value, **({"observer": self.observer} if self.quantize.calibrated else {}),
                **({"keep_float": list(self.keep_float)} if self.keep_float else {})}
