"""The exporter's graph IR: tensors, nodes in execution order, and symbols.

Every tensor is logically contiguous (row-major); there are no strided views.
A node's `op` is an Ember OpCode name (see schema/program.fbs) and its
`options` a plain dict whose keys are the options table's field names.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

import numpy as np

from schema import dims

DTYPE_NAMES = {np.dtype(np.float32): "FLOAT32", np.dtype(np.int8): "INT8",
               np.dtype(np.int32): "INT32", np.dtype(np.int64): "INT64",
               np.dtype(np.bool_): "BOOL", np.dtype(np.uint8): "UINT8", np.dtype(np.float16): "FLOAT16",
               np.dtype(np.float64): "FLOAT64"}


@dataclass(frozen=True)
class Dim:
    """One dimension: coeff * S[a] * S[b] + add (a symbol index of -1 is 1), or, when
    `program` is set, a dimension program over the symbols (schema/dims.py): steps
    (op name, value) for what c*a*b + d cannot say (floor division, min, ...).

    A static dimension has coeff 0 and its size in `add`."""
    coeff: int = 0
    add: int = 0
    sym_a: int = -1
    sym_b: int = -1
    program: tuple = ()

    @staticmethod
    def static(n: int) -> "Dim":
        return Dim(0, int(n), -1, -1)

    @staticmethod
    def of_program(steps) -> "Dim":
        return Dim(-1, 0, -1, -1, tuple(steps))

    @property
    def is_static(self) -> bool:
        return self.coeff == 0

    def evaluate(self, values) -> int:
        if self.program:
            return dims.evaluate(self.program, values)
        if self.coeff == 0:
            return self.add
        a = values[self.sym_a] if self.sym_a >= 0 else 1
        b = values[self.sym_b] if self.sym_b >= 0 else 1
        return self.coeff * a * b + self.add

    def describe(self, names) -> str:
        if self.program:
            return dims.describe(self.program, names)
        if self.coeff == 0:
            return str(self.add)
        parts = [] if self.coeff == 1 else [str(self.coeff)]
        parts += [names[s] for s in (self.sym_a, self.sym_b) if s >= 0]
        text = "*".join(parts)
        return f"{text}{self.add:+d}" if self.add else text


@dataclass
class Symbol:
    name: str
    min: int
    max: int


@dataclass
class QParams:
    """Quantization of a tensor: real = (q - zero_point) * scale, per tensor (axis -1)
    or per channel along `axis`."""
    scale: np.ndarray          # float32 (1,) or (channels,)
    zero_point: np.ndarray     # int64, same length
    axis: int = -1


@dataclass
class Tensor:
    name: str
    dtype: np.dtype
    dims: tuple            # tuple[Dim, ...]
    data: np.ndarray | None = None   # set for constants
    # Filled by the memory planner.
    offset: int = -1
    alias_of: str | None = None      # view: shares the storage of this tensor
    quant: QParams | None = None     # int8 / int32 tensors of a quantized program
    # Debug: the eager value this tensor holds (a torch.fx node name, an ONNX value name);
    # an int8 tensor holds it quantized. Per-layer validation pairs them (ember validate).
    eager: str | None = None
    # Program state (schema 2.4): the key (a buffer's name) of the state tensor this is; it
    # lives in the caller's state memory, kept across runs, written only by INDEX_COPY.
    state: str | None = None

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def in_arena(self) -> bool:
        return self.data is None and self.state is None

    @property
    def is_static(self) -> bool:
        return all(d.is_static for d in self.dims)

    def shape(self, values) -> tuple:
        return tuple(d.evaluate(values) for d in self.dims)

    @property
    def rank(self) -> int:
        return len(self.dims)


@dataclass
class Node:
    op: str
    inputs: list            # tensor names; None for an absent optional input
    outputs: list
    options: dict = field(default_factory=dict)
    source: str = ""
    quant: dict | None = None   # int8 operators: QuantParams fields (multiplier, shift, ...)
    # Debug: the eager node whose lowering emitted this operator (torch.fx node / ONNX node
    # name) and the module path it ran in ("features.3.conv"; "" when unknown).
    origin: str = ""
    module: str = ""


@dataclass
class Graph:
    tensors: dict = field(default_factory=dict)   # name -> Tensor
    nodes: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    symbols: list = field(default_factory=list)   # list[Symbol]
    arena_size: int = 0
    live_bytes_lower_bound: int = 0
    layouts: dict = field(default_factory=dict)    # constant name -> Layout name (passes/choose_layouts.py)
    state: dict = field(default_factory=dict)      # state key -> its initial value (np.ndarray) or None: zeros
    _counter: int = 0

    def program_problems(self) -> list:
        """Why a dimension program is unusable: it fails (a divisor below 1, a value past 2^40)
        or exceeds its value at the symbols' maxima (the planned size) at some sizes in range.
        Checked on every combination of each symbol's min, max and three sizes between."""
        points = [sorted({s.min, s.max, s.min + 1, s.max - 1, (s.min + s.max) // 2} & set(range(s.min, s.max + 1)))
                  for s in self.symbols]
        names = [s.name for s in self.symbols]
        problems = []
        for name, t in self.tensors.items():
            for d, dim in enumerate(t.dims):
                if not dim.program:
                    continue
                top = dim.evaluate(self.max_values())
                for values in itertools.product(*points):
                    try:
                        v = dim.evaluate(values)
                    except dims.DimError as e:
                        v, why = None, str(e)
                    if v is None or v < 0 or v > top:
                        at = ", ".join(f"{n}={x}" for n, x in zip(names, values))
                        problems.append(f"tensor {name} dimension {d} = {dim.describe(names)} at {at}: "
                                        + (why if v is None else f"{v}, outside 0..{top} (its size at the maxima)"))
                        break
        return problems

    def max_values(self) -> list:
        return [s.max for s in self.symbols]

    def max_shape(self, name: str) -> tuple:
        return self.tensors[name].shape(self.max_values())

    def max_nbytes(self, name: str) -> int:
        t = self.tensors[name]
        return int(np.prod(self.max_shape(name), dtype=np.int64)) * t.dtype.itemsize

    def fresh(self, hint: str) -> str:
        self._counter += 1
        name = f"{hint}_{self._counter}"
        while name in self.tensors:
            self._counter += 1
            name = f"{hint}_{self._counter}"
        return name

    def add_tensor(self, hint: str, dtype, dims, data=None, exact=False) -> str:
        name = hint if exact and hint not in self.tensors else self.fresh(hint)
        self.tensors[name] = Tensor(name, np.dtype(dtype), tuple(dims), data)
        return name

    def add_constant(self, hint: str, array) -> str:
        array = np.ascontiguousarray(array).reshape(np.shape(array))
        return self.add_tensor(hint, array.dtype, [Dim.static(n) for n in array.shape], array)

    def consumers(self) -> dict:
        """tensor name -> list of nodes reading it."""
        users: dict = {}
        for node in self.nodes:
            for name in node.inputs:
                if name is not None:
                    users.setdefault(name, []).append(node)
        return users

    def producers(self) -> dict:
        return {out: node for node in self.nodes for out in node.outputs}

    def replace_uses(self, old: str, new: str) -> None:
        for node in self.nodes:
            node.inputs = [new if n == old else n for n in node.inputs]
        self.outputs = [new if n == old else n for n in self.outputs]

    def rename(self, old: str, new: str) -> None:
        """Give tensor `old` the name `new` everywhere (new must be unused)."""
        t = self.tensors.pop(old)
        t.name = new
        self.tensors[new] = t
        for node in self.nodes:
            node.inputs = [new if n == old else n for n in node.inputs]
            node.outputs = [new if n == old else n for n in node.outputs]
        self.inputs = [new if n == old else n for n in self.inputs]
        self.outputs = [new if n == old else n for n in self.outputs]

    def copy(self) -> "Graph":
        """An independent copy: passes and the planner may change it freely (constant data
        arrays are shared, never written in place)."""
        return dataclasses.replace(self, tensors={k: dataclasses.replace(t) for k, t in self.tensors.items()},
                                   nodes=[dataclasses.replace(n) for n in self.nodes],
                                   inputs=list(self.inputs), outputs=list(self.outputs),
                                   symbols=list(self.symbols), layouts=dict(self.layouts), state=dict(self.state))
