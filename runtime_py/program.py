"""Program and Method: run a verified program with numpy kernels.

The arena is one uint8 buffer per method, sized by the exporter's memory plan;
every non-constant tensor is a view into it at its planned offset. Constants
are views into the mapped file. Nothing is copied at load.
"""
from __future__ import annotations

import copy
import time
from typing import NamedTuple

import numpy as np

from runtime_py.errors import ExecutionError, InputError, VerifyError
from runtime_py.kernels.gather import IndexOutOfRange
from runtime_py.loader import DTYPES, MAX_ELEMENTS, OPCODE_NAMES, _s, dim_programs, parse, read, verify
from runtime_py.loader import _prepare as prepare
from schema.ops import INT8_OPS, INT8_WEIGHT_OPS, OPTIONAL_INPUTS, SPECS
from runtime_py.kernels.int8 import QuantArgs
from runtime_py.ops import INT8_KERNELS, KERNELS, options_kwargs
from schema import dims as dimprog
from schema import fb
from schema.layout import unpack as unpack_panels16


class OpInfo(NamedTuple):
    """One operator as tools see it: its tensors are indices into Method.tensors (-1 for an
    absent optional input); Method.tensor_info(i) describes one. node and module: the
    eager node it was lowered from and its module path ("" when unknown or stripped)."""
    index: int
    op: str
    inputs: list
    outputs: list
    source: str
    precision: str
    node: str = ""
    module: str = ""


class Method:
    def __init__(self, program, m):
        self.program = program
        self.name = _s(m.name)
        self._m = m
        self.tensors = m.tensors
        self.symbols = [(_s(s.name), s.min, s.max) for s in (m.symbols or [])]
        self._programs = [dim_programs(t) for t in self.tensors]   # schema 2.2 dimension programs
        self.arena_size = int(m.arenaSize)
        self.live_bytes_lower_bound = int(m.liveBytesLowerBound)
        self._inputs = [int(i) for i in m.inputs]
        self._outputs = [int(i) for i in m.outputs]
        self._ops = []
        for op in m.operators or []:
            name = OPCODE_NAMES[op.opcode]
            ins = [int(i) for i in op.inputs]
            outs = [int(i) for i in op.outputs]
            if name in OPTIONAL_INPUTS:   # absent trailing optional inputs: -1, as the kernel takes them all
                ins += [-1] * (SPECS[name].max_inputs - len(ins))
            kernel, kwargs = KERNELS[op.opcode], options_kwargs(op.options)
            out_t = self.tensors[outs[0]]
            int8 = name in INT8_OPS and out_t.dtype == fb.DType.INT8 and out_t.quantization is not None
            if int8:
                kernel = INT8_KERNELS[name]
                if name == "SOFTMAX":
                    self._check_exp_table(ins[1], len(self._ops))
            if int8 or name in ("QUANTIZE", "DEQUANTIZE"):
                kwargs["q"] = self._quant_args(ins, outs[0], op.quant)
            elif name in INT8_WEIGHT_OPS and self.tensors[ins[1]].dtype == fb.DType.INT8:
                kwargs["weight_scales"] = np.array(self.tensors[ins[1]].quantization.scale, np.float32)
            self._ops.append((name, kernel, ins, outs, kwargs, _s(op.source)))
        self._arena = None
        self._sizes_checked = None   # the sizes every dynamic tensor was last checked at

    def _check_exp_table(self, index, k):
        """int8 SOFTMAX's exp table (a constant, as the C runtime checks at init): entries in
        [0, 2^24] so the row sums fit, the last (exp(0)) at least 1 so they are not 0."""
        t = self.tensors[index]
        where = f"method '{self.name}' operator {k} (SOFTMAX)"
        if t.storage != fb.Storage.CONSTANT:
            raise VerifyError(f"{where}: int8: the table must be a constant")
        v = self.program._constant(t, np.dtype(np.int32), (256,))
        bad = np.flatnonzero((v < 0) | (v > 1 << 24))
        if bad.size or v[255] < 1:
            j = int(bad[0]) if bad.size else 255
            raise VerifyError(f"{where}: int8: table entry {j} is {int(v[j])}: entries must be in [0, 2^24], "
                              f"entry 255 >= 1")

    def _quant_args(self, ins, out, quant):
        def qp(i):
            q = self.tensors[i].quantization if i >= 0 else None
            if q is None or q.axis != -1:
                return None, None
            zero = 0 if q.zeroPoint is None or len(q.zeroPoint) == 0 else int(q.zeroPoint[0])   # none: all 0
            return zero, np.float32(q.scale[0])
        zps, scales = zip(*[qp(i) for i in ins]) if ins else ((), ())
        out_zp, out_scale = qp(out)
        if quant is None:
            return QuantArgs(list(zps), out_zp, list(scales), out_scale, np.zeros(0, np.int64),
                             np.zeros(0, np.int64))
        return QuantArgs(list(zps), out_zp, list(scales), out_scale,
                         np.array(quant.multiplier if quant.multiplier is not None else [], np.int64),
                         np.array(quant.shift if quant.shift is not None else [], np.int64),
                         int(quant.actMin), int(quant.actMax), int(quant.leftShift), int(quant.fill))

    # ---- description -------------------------------------------------------
    def _describe(self, index):
        t = self.tensors[index]
        dims = []
        progs = self._programs[index]
        for d, n in enumerate(t.shape):
            e = t.dims[d] if t.dims is not None else None
            if e is None or e.coeff == 0:
                dims.append(int(n))
            elif e.coeff == -1:
                dims.append(dimprog.describe(progs[d], [s[0] for s in self.symbols]))
            else:
                parts = ([str(e.coeff)] if e.coeff != 1 else []) + \
                        [self.symbols[s][0] for s in (e.symA, e.symB) if s >= 0]
                dims.append("*".join(parts) + (f"{e.add:+d}" if e.add else ""))
        return {"name": _s(t.name), "dtype": DTYPES[t.dtype].name, "shape": dims}

    @property
    def inputs(self):
        return [self._describe(i) for i in self._inputs]

    @property
    def outputs(self):
        return [self._describe(i) for i in self._outputs]

    @property
    def input_indices(self) -> list:
        """The tensor indices of the inputs, in order (for Method.tensor_info and OpInfo)."""
        return list(self._inputs)

    @property
    def output_indices(self) -> list:
        """The tensor indices of the outputs, in order."""
        return list(self._outputs)

    @property
    def operators(self):
        return [op[0] for op in self._ops]

    @property
    def precisions(self):
        """Per operator: "int8" (an integer kernel), "int8-dynamic" / "int8-weight" (float in
        and out with an int8 weight), "convert" (QUANTIZE / DEQUANTIZE) or "float32"
        (everything else, including dtype-generic data movement of floats)."""
        out = []
        for name, _, _, outs, kwargs, _ in self._ops:
            if name in ("QUANTIZE", "DEQUANTIZE"):
                out.append("convert")
            elif "q" in kwargs or self.tensors[outs[0]].quantization is not None:
                out.append("int8")
            elif "weight_scales" in kwargs:
                out.append("int8-dynamic" if kwargs.get("dynamic_quantization") else "int8-weight")
            else:
                out.append("float32")
        return out

    @property
    def operator_table(self) -> list:
        """Every operator as an OpInfo, in run order."""
        fops = self._m.operators or []
        return [OpInfo(k, name, list(ins), list(outs), source, precision, _s(fops[k].node), _s(fops[k].module))
                for k, ((name, _, ins, outs, _, source), precision) in enumerate(zip(self._ops, self.precisions))]

    def tensor_info(self, index) -> dict:
        """Tensor `index`: name, dtype, shape (symbolic dimensions by name; the planned maxima
        in max_shape), storage ("arena", "constant" or "state"), its offset there, planned bytes, the eager
        value it holds ("" when none or stripped) and its quantization ((scales, zero points,
        axis) or None)."""
        t = self.tensors[index]
        q = t.quantization
        quant = None if q is None else ([float(v) for v in q.scale],
                                        [int(v) for v in (q.zeroPoint if q.zeroPoint is not None else [])], int(q.axis))
        return {**self._describe(index), "max_shape": [int(n) for n in t.shape],
                "storage": {fb.Storage.CONSTANT: "constant", fb.Storage.STATE: "state"}.get(t.storage, "arena"),
                "offset": int(t.offset), "nbytes": int(t.nbytes), "eager": _s(t.eager), "quant": quant}

    @property
    def constant_bytes(self):
        return sum(int(t.nbytes) for t in self.tensors if t.storage == fb.Storage.CONSTANT)

    def test_cases(self):
        cases = []
        for case in self._m.testCases or []:
            load = lambda tds: [self.program._data(td) for td in tds or []]  # noqa: E731
            cases.append((load(case.inputs), load(case.outputs), case.atol, case.rtol))
        return cases

    # ---- execution ---------------------------------------------------------
    def _bind(self, arrays):
        if len(arrays) != len(self._inputs):
            raise InputError(f"method '{self.name}' takes {len(self._inputs)} input(s), got {len(arrays)}")
        values = [None] * len(self.symbols)
        for k, (i, a) in enumerate(zip(self._inputs, arrays)):
            t = self.tensors[i]
            want = DTYPES[t.dtype]
            if a.dtype != want:
                raise InputError(f"input {k} ('{_s(t.name)}'): dtype {a.dtype}, expected {want}")
            if a.ndim != len(t.shape):
                raise InputError(f"input {k} ('{_s(t.name)}'): rank {a.ndim} (shape {list(a.shape)}), "
                                 f"expected rank {len(t.shape)} (shape {self._describe(i)['shape']})")
            for d, e in enumerate(t.dims if t.dims is not None else []):
                if e.coeff == 1 and e.add == 0 and e.symA >= 0 and e.symB < 0:
                    if values[e.symA] is None:
                        values[e.symA] = v = int(a.shape[d])
                        name, lo, hi = self.symbols[e.symA]
                        if not lo <= v <= hi:
                            raise InputError(f"input {k} ('{_s(t.name)}') dimension {d}: size '{name}' = {v} "
                                             f"outside the exported range [{lo}, {hi}]")
        self._bind_multiples(arrays, values)
        for s, (name, lo, hi) in enumerate(self.symbols):
            if values[s] is None:
                raise InputError(f"size '{name}' is not given by any input dimension")
            if not lo <= values[s] <= hi:
                raise InputError(f"size '{name}' = {values[s]} outside the exported range [{lo}, {hi}]")
        for k, (i, a) in enumerate(zip(self._inputs, arrays)):
            want = self._shape(i, values)
            if tuple(a.shape) != want:
                raise InputError(f"input {k} ('{_s(self.tensors[i].name)}'): shape {list(a.shape)}, "
                                 f"expected {list(want)} (declared {self._describe(i)['shape']})")
        if values != self._sizes_checked:   # as the C runtime's bind: every dynamic tensor's size,
            shapes = {i: self._shape(i, values) for i, t in enumerate(self.tensors) if t.dims is not None}
            self._check_operators(shapes)    # then every operator's rules at those sizes
            self._sizes_checked = list(values)
        return values

    def _bind_multiples(self, arrays, values):
        """A size no input dimension is exactly, taken from one that is k times it
        (DynamicDim(multiple=k)): that dimension must be a multiple of k in k*min..k*max."""
        for k, (i, a) in enumerate(zip(self._inputs, arrays)):
            t = self.tensors[i]
            for d, e in enumerate(t.dims if t.dims is not None else []):
                if e.coeff > 1 and e.add == 0 and e.symA >= 0 and e.symB < 0 and values[e.symA] is None:
                    v, (name, lo, hi) = int(a.shape[d]), self.symbols[e.symA]
                    if v % e.coeff or not lo <= v // e.coeff <= hi:
                        raise InputError(f"input {k} ('{_s(t.name)}') dimension {d} is {v}: it must be a multiple "
                                         f"of {e.coeff} in {e.coeff * lo}..{e.coeff * hi} ({e.coeff}*{name}, "
                                         f"{name} in {lo}..{hi})")
                    values[e.symA] = v // e.coeff

    def _shape(self, index, values):
        t = self.tensors[index]
        if t.dims is None:
            return tuple(int(n) for n in t.shape)
        out = []
        for d, e in enumerate(t.dims):
            if e.coeff == 0:
                out.append(int(e.add))
            elif e.coeff == -1:
                out.append(self._program_dim(index, d, values))
            else:
                a = values[e.symA] if e.symA >= 0 else 1
                b = values[e.symB] if e.symB >= 0 else 1
                v = int(e.coeff * a * b + e.add)
                if not 0 <= v <= MAX_ELEMENTS:   # verified at the maxima only: as the C runtime, per size
                    raise VerifyError(f"tensor {index} ('{_s(t.name)}') dim {len(out)}: expression gives {v} "
                                      f"at sizes {values}, outside [0, 2^40]")
                out.append(v)
        return tuple(out)

    def _check_operators(self, shapes):
        """Each operator's load-time rules (loader._prepare) again at new sizes: a file whose
        shapes agree at the maxima but not at these sizes is refused, not run."""
        def at(i):
            if i < 0 or i not in shapes:
                return self.tensors[i] if i >= 0 else None
            t = copy.copy(self.tensors[i])
            t.shape = list(shapes[i])
            return t
        for k, op in enumerate(self._m.operators or []):
            prepare(op.opcode, [at(int(i)) for i in op.inputs], [at(int(i)) for i in op.outputs], op.options,
                    f"method '{self.name}' operator {k} at these sizes", op.quant)

    def _program_dim(self, index, d, values):
        """Dimension d of tensor `index` by its program (schema/dims.py): at most the planned
        size (the value at the maxima), or the sizes are refused."""
        t, names = self.tensors[index], [s[0] for s in self.symbols]
        at = ", ".join(f"{n}={v}" for n, v in zip(names, values))
        steps = self._programs[index][d]
        try:
            v = dimprog.evaluate(steps, values)
        except dimprog.DimError as e:
            raise InputError(f"sizes {at}: tensor '{_s(t.name)}' dimension {d} = "
                             f"{dimprog.describe(steps, names)} cannot be computed: {e}") from None
        if not 0 <= v <= int(t.shape[d]):
            raise InputError(f"sizes {at}: tensor '{_s(t.name)}' dimension {d} = {dimprog.describe(steps, names)} "
                             f"is {v}, outside 0..{int(t.shape[d])} (the size the program was planned for)")
        return v

    def _view(self, index, values):
        t = self.tensors[index]
        dtype = DTYPES[t.dtype]
        shape = self._shape(index, values)
        if t.storage == fb.Storage.CONSTANT:
            return self.program._constant(t, dtype, shape)
        if t.storage == fb.Storage.STATE:
            return np.ndarray(shape, dtype, buffer=self.program.state, offset=int(t.offset))
        return np.ndarray(shape, dtype, buffer=self._arena, offset=int(t.offset))

    def run(self, *arrays, trace=None, profile=None):
        """Run on numpy arrays; returns a list of output arrays (copies).

        `trace`, if given, is called as trace(op_index, op_name, output_names, output_arrays)
        after every operator, for per-layer comparison. `profile`, if a list, gets one
        (op_index, start_ns, end_ns) per operator (time.perf_counter_ns around its operands'
        views and its kernel)."""
        arrays = [np.asarray(a) for a in arrays]
        values = self._bind(arrays)
        if self._arena is None:
            try:
                self._arena = np.zeros(self.arena_size, dtype=np.uint8)
            except MemoryError:
                raise ExecutionError(f"method '{self.name}': arena of {self.arena_size:,} bytes "
                                     f"cannot be allocated") from None
        views = {}

        def view(i):
            if i not in views:
                views[i] = self._view(i, values)
            return views[i]

        for i, a in zip(self._inputs, arrays):
            view(i)[...] = a
        for k, (name, kernel, ins, outs, opts, source) in enumerate(self._ops):
            start = time.perf_counter_ns() if profile is not None else 0
            args = [view(i) if i >= 0 else None for i in ins] + [view(i) for i in outs]
            try:
                if any(view(i).size for i in outs):   # an empty output: nothing to compute (as in C)
                    kernel(*args, **opts)
            except IndexOutOfRange as e:
                where = f" ({source})" if source else ""
                raise ExecutionError(f"operator {k} ({name}){where}: {e}") from None
            except (ValueError, TypeError, IndexError) as e:
                # Verification should make this unreachable; never let a malformed
                # program surface as a numpy traceback.
                raise ExecutionError(f"operator {k} ({name}): operands inconsistent with the op: "
                                     f"{e}") from None
            if profile is not None:
                profile.append((k, start, time.perf_counter_ns()))
            if trace is not None:
                trace(k, name, [_s(self.tensors[i].name) for i in outs], [view(i) for i in outs])
        return [np.array(view(i), copy=True) for i in self._outputs]


class Program:
    """A loaded, verified program. `program.run("forward", *arrays)` runs a method."""

    def __init__(self, source):
        self._buf = read(source)
        self._unpacked = {}
        self.file_size = len(self._buf)
        self._fb = parse(self._buf)
        verify(self._fb, self.file_size)
        self.version = (self._fb.versionMajor, self._fb.versionMinor)
        self.segment_offset = int(self._fb.constantSegmentOffset)
        self.segment_size = int(self._fb.constantSegmentSize)
        self.metadata = {_s(kv.key): _s(kv.value) for kv in (self._fb.metadata or [])}
        # State (2.4): one buffer for every state tensor, kept across runs and methods.
        self.state = np.zeros(int(self._fb.stateSize), np.uint8)
        self.reset_state()
        self.methods = {}
        for m in self._fb.methods:
            method = Method(self, m)
            self.methods[method.name] = method

    @property
    def state_tensors(self) -> list:
        """Every state tensor: name, dtype, shape, offset and bytes in the state memory, and
        whether it has an initial value (else zeros)."""
        return [{"name": _s(st.name), "dtype": DTYPES[st.dtype].name, "shape": [int(n) for n in st.shape],
                 "offset": int(st.offset), "nbytes": int(st.nbytes), "init": st.initial is not None}
                for st in (self._fb.state or [])]

    def reset_state(self):
        """Every state tensor back to its initial value (zeros where it has none)."""
        self.state[...] = 0
        for st in self._fb.state or []:
            if st.initial is not None:
                data = self._data(st.initial).view(np.uint8).reshape(-1)
                self.state[int(st.offset):int(st.offset) + data.size] = data

    def _constant(self, t, dtype, shape):
        count = int(t.nbytes) // dtype.itemsize
        arr = np.frombuffer(self._buf, dtype=dtype, count=count,
                            offset=self.segment_offset + int(t.offset))
        if t.layout == fb.Layout.PANELS16:   # a packed weight: unpacked once, then kept
            key = (int(t.offset), tuple(shape))
            if key not in self._unpacked:
                self._unpacked[key] = unpack_panels16(arr, shape)
                self._unpacked[key].flags.writeable = False
            return self._unpacked[key]
        return arr.reshape(shape)

    def _data(self, td):
        dtype = DTYPES[td.dtype]
        arr = np.frombuffer(self._buf, dtype=dtype, count=int(td.nbytes) // dtype.itemsize,
                            offset=self.segment_offset + int(td.offset))
        return arr.reshape([int(n) for n in td.shape])

    def method(self, name="forward") -> Method:
        if name not in self.methods:
            raise InputError(f"no method '{name}'; the program has {sorted(self.methods)}")
        return self.methods[name]

    def run(self, method="forward", *arrays, trace=None, profile=None):
        return self.method(method).run(*arrays, trace=trace, profile=profile)
