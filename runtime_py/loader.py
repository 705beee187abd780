"""Load and verify a program file before anything runs.

`read` maps the file (or wraps caller bytes) without copying; `parse` decodes
the FlatBuffer; `verify` walks every index, offset, size, dtype and shape and
raises a typed error with a precise message on the first problem.
"""
from __future__ import annotations

import mmap
import os

import numpy as np

from runtime_py.errors import FormatError, VerifyError
from schema import (ARENA_ALIGNMENT, CONSTANT_ALIGNMENT, FILE_IDENTIFIER, VERSION_MAJOR,
                    VERSION_MINOR, fb)
from schema.ops import (BOOL_OUT as _BOOL_OUT, FLOAT_ONLY as _FLOAT_ONLY, INT8_OPS, INT8_TABLE_INPUT,
                        INT8_WEIGHT_OPS, OPTIONAL_INPUTS, QUANT_PASSTHROUGH, SPECS, TABLE_OPS)

DTYPES = {fb.DType.FLOAT32: np.dtype(np.float32), fb.DType.INT8: np.dtype(np.int8),
          fb.DType.INT32: np.dtype(np.int32), fb.DType.INT64: np.dtype(np.int64),
          fb.DType.BOOL: np.dtype(np.bool_), fb.DType.UINT8: np.dtype(np.uint8)}
OPCODE_NAMES = {v: k for k, v in vars(fb.OpCode).items() if not k.startswith("_")}
LAYOUT_NAMES = {v: k for k, v in vars(fb.Layout).items() if not k.startswith("_")}
OPTION_NAMES = {v: k for k, v in vars(fb.Options).items() if not k.startswith("_")}
MAX_ELEMENTS = 1 << 40
INT32_MAX = (1 << 31) - 1
MAX_PLANNED_TENSORS = 16384   # arena tensors a method may use (the C runtime's EMBER_MAX_PLANNED_TENSORS)


def read(source):
    """A read-only buffer over a path (memory-mapped) or over caller bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return memoryview(source).cast("B") if not isinstance(source, bytes) else source
    path = os.fspath(source)
    if not os.path.exists(path):
        raise FormatError(f"{path}: no such file")
    if os.path.isdir(path):
        raise FormatError(f"{path}: is a directory, not an Ember program")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise FormatError(f"{path}: empty file, not an Ember program")
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def parse(buf):
    size = len(buf)
    if size < 8 or bytes(buf[4:8]) != FILE_IDENTIFIER:
        raise FormatError(f"not an Ember program: identifier {bytes(buf[4:8])!r} "
                          f"(expected {FILE_IDENTIFIER!r}), file of {size} bytes")
    root = int.from_bytes(bytes(buf[0:4]), "little")
    if root + 4 > size:
        raise FormatError(f"truncated or malformed: root table offset {root} exceeds file of {size} bytes")
    try:
        program = fb.ProgramT.InitFromPackedBuf(buf, 0)
    except Exception as e:   # the generated reader raises struct.error, IndexError, ...
        raise FormatError(f"truncated or malformed FlatBuffer in file of {size} bytes "
                          f"({type(e).__name__}: {e})") from None
    return program


def _check(cond, message):
    if not cond:
        raise VerifyError(message)


def _s(value) -> str:
    """A FlatBuffer string as text; an absent one (None) is empty, as in the C runtime."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ("" if value is None else str(value))


def _nbytes(shape, dtype, where):
    """Bytes of a shape. As in the C loader, the product of the non-zero dimensions is
    bounded too: (0, 2^40, 2^40) holds no elements, but its trailing dimensions multiply
    past 2^63 in a kernel's strides."""
    nonzero = 1
    for n in shape:
        _check(0 <= n <= MAX_ELEMENTS, f"{where}: dimension {n} out of range [0, {MAX_ELEMENTS}]")
        nonzero *= int(n) or 1
        _check(nonzero <= MAX_ELEMENTS,
               f"{where}: element count (of the non-zero dimensions) exceeds {MAX_ELEMENTS}")
    return (0 if 0 in shape else nonzero) * dtype.itemsize


def _list(v):
    return [] if v is None else [int(x) for x in v]


def verify(program, file_size: int) -> None:
    _check(program.versionMajor <= VERSION_MAJOR,
           f"file schema version {program.versionMajor}.{program.versionMinor} is newer than "
           f"this runtime's {VERSION_MAJOR}.{VERSION_MINOR}")
    seg_off, seg_size = program.constantSegmentOffset, program.constantSegmentSize
    _check(seg_off % CONSTANT_ALIGNMENT == 0,
           f"constant segment offset {seg_off} is not a multiple of {CONSTANT_ALIGNMENT}")
    if seg_off + seg_size > file_size:
        raise FormatError(f"truncated: constant segment [{seg_off}, {seg_off + seg_size}) "
                          f"exceeds file of {file_size} bytes")
    methods = program.methods or []
    _check(len(methods) > 0, "program has no methods")
    names = [_s(m.name) for m in methods]
    _check(len(set(names)) == len(names), f"duplicate method names {names}")
    for m in methods:
        try:
            _verify_method(m, seg_size)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as e:
            # Every rule should name its problem first; never let one surface as a traceback.
            raise VerifyError(f"method '{_s(m.name)}': inconsistent program ({type(e).__name__}: {e})") from None


def _verify_tensor(t, where, maxv, seg_size, arena_size):
    """One tensor: dtype, shape against nbytes, dynamic expressions against the shape at
    the symbols' maxima (maxv), storage and offset, quantization, layout."""
    _check(t.dtype in DTYPES, f"{where}: dtype {t.dtype} not in the DType enum")
    shape = _list(t.shape)
    nbytes = _nbytes(shape, DTYPES[t.dtype], where)
    _check(t.nbytes == nbytes, f"{where}: nbytes {t.nbytes} != {nbytes} for shape {shape}")
    if t.dims is not None:
        _check(len(t.dims) == len(shape), f"{where}: {len(t.dims)} dims for rank {len(shape)}")
        for d, e in enumerate(t.dims):
            for sym in (e.symA, e.symB):
                _check(-1 <= sym < len(maxv),
                       f"{where} dim {d}: symbol {sym} out of range [-1, {len(maxv)})")
            _check(e.coeff >= 0 and abs(e.add) <= MAX_ELEMENTS, f"{where} dim {d}: bad expression")
            a = maxv[e.symA] if e.symA >= 0 else 1
            b = maxv[e.symB] if e.symB >= 0 else 1
            value = e.coeff * a * b + e.add if e.coeff else e.add
            _check(value == shape[d], f"{where} dim {d}: expression gives {value} at the "
                                      f"maxima, shape says {shape[d]}")
    if t.storage == fb.Storage.CONSTANT:
        _check(t.offset % CONSTANT_ALIGNMENT == 0,
               f"{where}: constant offset {t.offset} not {CONSTANT_ALIGNMENT}-byte aligned")
        _check(t.offset + t.nbytes <= seg_size,
               f"{where}: data [{t.offset}, {t.offset + t.nbytes}) exceeds constant segment "
               f"of {seg_size} bytes")
        _check(t.dims is None, f"{where}: a constant cannot have dynamic dimensions")
    elif t.storage == fb.Storage.ARENA:
        _check(t.offset % ARENA_ALIGNMENT == 0,
               f"{where}: arena offset {t.offset} not {ARENA_ALIGNMENT}-byte aligned")
        _check(t.offset + t.nbytes <= arena_size,
               f"{where}: [{t.offset}, {t.offset + t.nbytes}) exceeds arena of {arena_size} bytes")
    else:
        raise VerifyError(f"{where}: storage {t.storage} not in the Storage enum")
    if t.quantization is not None:
        _verify_quantization(t, shape, where)
    _check(t.layout in LAYOUT_NAMES, f"{where}: layout {t.layout} not in the Layout enum")
    if t.layout != fb.Layout.ROW_MAJOR:
        _check(t.storage == fb.Storage.CONSTANT and t.dtype == fb.DType.FLOAT32 and len(shape) == 2,
               f"{where}: layout {LAYOUT_NAMES[t.layout]} needs a FLOAT32 rank-2 constant")


def _verify_method(m, seg_size):
    name = _s(m.name)
    tensors = m.tensors or []
    symbols = m.symbols or []
    nt = len(tensors)
    for i, s in enumerate(symbols):
        _check(1 <= s.min <= s.max <= MAX_ELEMENTS,
               f"method '{name}' symbol {i}: range [{s.min}, {s.max}] invalid")
    maxv = [s.max for s in symbols]
    for i, t in enumerate(tensors):
        _verify_tensor(t, f"method '{name}' tensor {i}", maxv, seg_size, m.arenaSize)

    def index(i, what, allow_absent=False):
        if allow_absent and i == -1:
            return
        _check(0 <= i < nt, f"method '{name}' {what}: tensor index {i} out of range [0, {nt})")

    inputs, outputs = _list(m.inputs), _list(m.outputs)
    _check(len(outputs) > 0, f"method '{name}' has no outputs")
    # Operators may share index vectors, so a small file can list more indices than the
    # C runtime's int32 count holds: counted before any operator is looked at.
    n_indices = len(inputs) + len(outputs) + sum(
        (0 if op.inputs is None else len(op.inputs)) + (0 if op.outputs is None else len(op.outputs))
        for op in m.operators or [])
    _check(n_indices <= INT32_MAX, f"method '{name}': {n_indices} tensor indices, more than 2^31 - 1")
    written = set()
    for k, i in enumerate(inputs):
        index(i, f"input {k}")
        _check(tensors[i].storage == fb.Storage.ARENA, f"method '{name}' input {k}: tensor {i} is not in the arena")
        written.add(i)
    for k, op in enumerate(m.operators or []):
        where = f"method '{name}' operator {k}"
        _check(op.opcode in OPCODE_NAMES, f"{where}: opcode {op.opcode} not in the OpCode enum")
        op_name = OPCODE_NAMES[op.opcode]
        spec = SPECS[op_name]
        ins, outs = _list(op.inputs), _list(op.outputs)
        _check(spec.min_inputs <= len(ins) <= spec.max_inputs,
               f"{where} ({op_name}): {len(ins)} inputs, expected {spec.min_inputs}..{spec.max_inputs}")
        _check(len(outs) == spec.outputs, f"{where} ({op_name}): {len(outs)} outputs, expected {spec.outputs}")
        optional = OPTIONAL_INPUTS.get(op_name, set())
        for p, i in enumerate(ins):
            index(i, f"operator {k} ({op_name}) input {p}", allow_absent=p in optional)
            if i >= 0 and tensors[i].layout != fb.Layout.ROW_MAJOR:
                _check(op_name == "FULLY_CONNECTED" and p == 1,
                       f"{where} ({op_name}): input {p} (tensor {i}) is stored "
                       f"{LAYOUT_NAMES[tensors[i].layout]}, which only FULLY_CONNECTED's weight may be")
            if i >= 0 and tensors[i].storage == fb.Storage.ARENA:
                _check(i in written, f"{where} ({op_name}): input {p} reads tensor {i} before it is written")
        for p, i in enumerate(outs):
            index(i, f"operator {k} ({op_name}) output {p}")
            _check(tensors[i].storage == fb.Storage.ARENA,
                   f"{where} ({op_name}): output {p} (tensor {i}) is not in the arena")
            written.add(i)
        want = spec.options
        got = OPTION_NAMES.get(op.optionsType, f"#{op.optionsType}")
        _check((want or "NONE") == got,
               f"{where} ({op_name}): options table {got}, expected {want or 'NONE'}")
        _prepare(op_name, [tensors[i] if i >= 0 else None for i in ins],
                 [tensors[i] for i in outs], op.options, where, op.quant)
    for k, i in enumerate(outputs):
        index(i, f"output {k}")
        _check(tensors[i].layout == fb.Layout.ROW_MAJOR, f"method '{name}' output {k}: tensor {i} is not row-major")
        if tensors[i].storage == fb.Storage.ARENA:
            _check(i in written, f"method '{name}' output {k}: tensor {i} is never written")
    _check_plan(name, tensors, inputs, outputs, m.operators or [])
    _verify_test_cases(name, m.testCases or [], seg_size)


def _verify_test_cases(name, cases, seg_size):
    for c, case in enumerate(cases):
        for kind, datas in (("input", case.inputs or []), ("output", case.outputs or [])):
            for j, td in enumerate(datas):
                where = f"method '{name}' test case {c} {kind} {j}"
                _check(td.dtype in DTYPES, f"{where}: dtype {td.dtype} not in the DType enum")
                nbytes = _nbytes(_list(td.shape), DTYPES[td.dtype], where)
                _check(td.nbytes == nbytes, f"{where}: nbytes {td.nbytes} != {nbytes}")
                _check(td.offset % CONSTANT_ALIGNMENT == 0 and td.offset + td.nbytes <= seg_size,
                       f"{where}: data [{td.offset}, {td.offset + td.nbytes}) outside constant "
                       f"segment of {seg_size} bytes")


def _check_plan(name, tensors, inputs, outputs, operators):
    """The memory plan (as the C runtime's check_plan): two arena tensors whose bytes
    overlap are never live at once. A RESHAPE output is a view: of an arena input, at the
    same offset, sharing its storage (one group, live from the first write of any member
    to the last read)."""
    n, end = len(tensors), len(operators)
    first, last, alias = [1 << 62] * n, [-2] * n, list(range(n))
    for i in inputs:
        first[i], last[i] = -1, max(last[i], -1)
    reshape = fb.OpCode.RESHAPE
    for k, op in enumerate(operators):
        ins, outs = _list(op.inputs), _list(op.outputs)
        for p, i in enumerate(ins + outs):
            if i < 0:
                continue
            if p >= len(ins):
                first[i] = min(first[i], k)
            last[i] = k
        if op.opcode == reshape and ins and ins[0] >= 0 and outs:
            a, b = tensors[ins[0]], tensors[outs[0]]
            if a.storage == fb.Storage.ARENA:
                _check(b.storage == fb.Storage.ARENA and a.offset == b.offset,
                       f"method '{name}' operator {k} (RESHAPE): output tensor {outs[0]} is not at its "
                       f"input's arena offset (a reshape is a view)")
                alias[outs[0]] = alias[ins[0]]
    for i in outputs:
        last[i] = end
    for i in range(n):
        g = alias[i]
        first[g], last[g] = min(first[g], first[i]), max(last[g], last[i])
    arena = [i for i in range(n) if tensors[i].storage == fb.Storage.ARENA and tensors[i].nbytes > 0
             and first[alias[i]] <= last[alias[i]]]
    if len(arena) > MAX_PLANNED_TENSORS:
        raise VerifyError(f"method '{name}': {len(arena)} arena tensors in use, more than this runtime "
                          f"verifies ({MAX_PLANNED_TENSORS})")
    if len(arena) < 2:
        return
    idx = np.array(arena)
    lo = np.array([tensors[i].offset for i in arena], dtype=np.int64)
    hi = lo + np.array([tensors[i].nbytes for i in arena], dtype=np.int64)
    grp = np.array([alias[i] for i in arena])
    gf = np.array([first[g] for g in grp], dtype=np.int64)
    gl = np.array([last[g] for g in grp], dtype=np.int64)
    for a in range(len(arena) - 1):
        b = slice(a + 1, None)
        clash = (lo[a] < hi[b]) & (lo[b] < hi[a]) & (gf[a] <= gl[b]) & (gf[b] <= gl[a]) & (grp[a] != grp[b])
        if clash.any():
            j = a + 1 + int(np.argmax(clash))
            raise VerifyError(f"method '{name}': tensors {idx[a]} and {idx[j]} share arena bytes "
                              f"[{max(lo[a], lo[j])}, {min(hi[a], hi[j])}) while both are live "
                              f"(operators {gf[a]}..{gl[a]} and {gf[j]}..{gl[j]})")


def _verify_quantization(t, shape, where):
    q = t.quantization
    scale = [] if q.scale is None else [float(v) for v in q.scale]
    zero = _list(q.zeroPoint)
    _check(len(scale) >= 1 and len(zero) in (0, len(scale)),
           f"{where}: quantization has {len(scale)} scales and {len(zero)} zero points")
    _check(all(np.isfinite(v) and v > 0 for v in scale), f"{where}: quantization scales must be finite and > 0")
    _check(q.axis == -1 or 0 <= q.axis < len(shape), f"{where}: quantization axis {q.axis} out of range")
    if q.axis == -1:
        _check(len(scale) == 1, f"{where}: per-tensor quantization with {len(scale)} scales")
    else:
        _check(len(scale) == shape[q.axis], f"{where}: {len(scale)} scales for {shape[q.axis]} channels")
    if t.dtype == fb.DType.INT8:
        _check(all(-128 <= z <= 127 for z in zero), f"{where}: zero point outside [-128, 127]")


def _per_tensor(t):
    """Per-tensor quantization with its zero point stored."""
    q = t.quantization if t is not None else None
    return q is not None and q.axis == -1 and q.zeroPoint is not None and len(q.zeroPoint) == 1


def _prepare_int8(op, ins, outs, quant, where):
    """The int8 signature of an op: operands INT8 with per-tensor quantization (weights
    per channel, bias INT32), and the QuantParams the kernel reads."""
    out = outs[0]
    shape = lambda t: _list(t.shape)  # noqa: E731
    i8 = fb.DType.INT8
    _check(_per_tensor(out), f"{where} ({op}): int8 output needs per-tensor quantization")
    if op in TABLE_OPS:
        _check(len(ins) == 2 and ins[1] is not None and ins[1].dtype == i8 and shape(ins[1]) == [256]
               and ins[0].dtype == i8 and _per_tensor(ins[0]),
               f"{where} ({op}): int8 needs a quantized INT8 input and a 256-entry INT8 table")
        return
    if op == "SOFTMAX":
        _check(len(ins) == 2 and ins[1] is not None and ins[1].dtype == fb.DType.INT32 and shape(ins[1]) == [256]
               and ins[0].dtype == i8 and _per_tensor(ins[0]),
               f"{where} (SOFTMAX): int8 needs a quantized INT8 input and a 256-entry INT32 table")
        return
    data = ins[:1] if op in ("CONV2D", "FULLY_CONNECTED", "PAD") else ins
    for p, t in enumerate(data):
        _check(t is not None and t.dtype == i8 and _per_tensor(t),
               f"{where} ({op}): int8 operand {p} must be INT8 with per-tensor quantization")
    _check(quant is not None, f"{where} ({op}): int8 operator without QuantParams")
    mult, shift = _list(quant.multiplier), _list(quant.shift)
    _check(len(mult) == len(shift), f"{where} ({op}): {len(mult)} multipliers, {len(shift)} shifts")
    _check(all(0 <= m < 2 ** 31 for m in mult) and all(-31 <= v <= 30 for v in shift),
           f"{where} ({op}): multipliers must be in [0, 2^31) and shifts in [-31, 30]")
    _check(-128 <= quant.actMin <= quant.actMax <= 127,
           f"{where} ({op}): clamp [{quant.actMin}, {quant.actMax}] outside int8")
    _check(0 <= quant.leftShift <= 20, f"{where} ({op}): left shift {quant.leftShift} outside [0, 20]")
    if op in ("CONV2D", "FULLY_CONNECTED"):
        w = ins[1]
        q = w.quantization
        _check(w.dtype == i8 and q is not None and not any(_list(q.zeroPoint))
               and q.axis in (-1, 0), f"{where} ({op}): weight must be INT8, symmetric, per output channel")
        channels = shape(w)[0]
        _check(len(mult) in (1, channels), f"{where} ({op}): {len(mult)} multipliers for {channels} channels")
        if len(ins) > 2 and ins[2] is not None:
            _check(ins[2].dtype == fb.DType.INT32, f"{where} ({op}): int8 bias must be INT32")
    elif op in ("ADD", "SUB"):
        _check(len(mult) == 3, f"{where} ({op}): needs 3 multipliers, has {len(mult)}")
    elif op == "CONCAT":
        _check(len(mult) == len(ins), f"{where} (CONCAT): {len(mult)} multipliers for {len(ins)} inputs")
    elif op == "PAD":
        _check(-128 <= quant.fill <= 127, f"{where} (PAD): fill {quant.fill} outside int8")
    else:
        _check(len(mult) == 1, f"{where} ({op}): needs 1 multiplier, has {len(mult)}")


def _prepare_conv2d(ins, out, options, where, int8):
    shape = lambda t: _list(t.shape)  # noqa: E731
    x, w = shape(ins[0]), shape(ins[1])
    _check(len(x) == 4 and len(w) == 4 and len(shape(out)) == 4,
           f"{where} (CONV2D): input, weight and output must be rank 4")
    g = options.groups
    _check(g >= 1 and x[1] % g == 0 and w[0] % g == 0 and w[1] * g == x[1],
           f"{where} (CONV2D): {x[1]} input channels, weight {w}, groups {g} inconsistent")
    _check(options.strideH >= 1 and options.strideW >= 1 and options.dilationH >= 1
           and options.dilationW >= 1, f"{where} (CONV2D): stride and dilation must be >= 1")
    _check(min(options.padTop, options.padLeft, options.padBottom, options.padRight) >= 0,
           f"{where} (CONV2D): negative padding")
    _check(all(k <= 1 or d <= MAX_ELEMENTS // (k - 1)
               for k, d in ((w[2], options.dilationH), (w[3], options.dilationW))),
           f"{where} (CONV2D): dilation ({options.dilationH}, {options.dilationW}) spreads the kernel past 2^40")
    oh = (x[2] + options.padTop + options.padBottom - options.dilationH * (w[2] - 1) - 1) // options.strideH + 1
    ow = (x[3] + options.padLeft + options.padRight - options.dilationW * (w[3] - 1) - 1) // options.strideW + 1
    _check(shape(out) == [x[0], w[0], oh, ow],
           f"{where} (CONV2D): output shape {shape(out)}, expected {[x[0], w[0], oh, ow]}")
    if len(ins) > 2 and ins[2] is not None:
        _check(shape(ins[2]) == [w[0]], f"{where} (CONV2D): bias shape {shape(ins[2])} != [{w[0]}]")
    if len(ins) > 3 and ins[3] is not None:
        _check(not int8 and shape(ins[3]) == shape(out),
               f"{where} (CONV2D): a residual must be FLOAT32 with the output's shape {shape(out)}")


def _option_rules(op, ins, out, options, where, int8):
    """The rules an op's options set (kernel, stride, padding, axes, permutation)."""
    shape = lambda t: _list(t.shape)  # noqa: E731
    if op == "CONV2D":
        _prepare_conv2d(ins, out, options, where, int8)
    elif op == "FULLY_CONNECTED":
        x, w = shape(ins[0]), shape(ins[1])
        _check(len(w) == 2 and len(x) >= 1 and x[-1] == w[1] and shape(out) == x[:-1] + [w[0]],
               f"{where} (FULLY_CONNECTED): input {x}, weight {w}, output {shape(out)} inconsistent")
        if len(ins) > 2 and ins[2] is not None:
            _check(shape(ins[2]) == [w[0]], f"{where} (FULLY_CONNECTED): bias shape {shape(ins[2])}")
    elif op in ("MAX_POOL2D", "AVG_POOL2D"):
        _check(len(shape(ins[0])) == 4 and options.kernelH >= 1 and options.kernelW >= 1
               and options.strideH >= 1 and options.strideW >= 1,
               f"{where} ({op}): rank-4 input and positive kernel and stride required")
        _check(min(options.padTop, options.padLeft, options.padBottom, options.padRight) >= 0,
               f"{where} ({op}): negative padding")
    elif op == "PERMUTE":
        perm = _list(options.perm)
        _check(sorted(perm) == list(range(len(shape(ins[0])))),
               f"{where} (PERMUTE): perm {perm} is not a permutation of rank {len(shape(ins[0]))}")
    elif op == "RESHAPE":
        _check(ins[0].nbytes == out.nbytes and ins[0].dtype == out.dtype,
               f"{where} (RESHAPE): {ins[0].nbytes} bytes in, {out.nbytes} out")
    elif op == "SLICE":
        x = shape(ins[0])
        axis = options.axis
        _check(0 <= axis < len(x) and len(shape(out)) == len(x),
               f"{where} (SLICE): axis {axis}, input rank {len(x)}, output rank {len(shape(out))} inconsistent")
        n = shape(out)[axis]
        _check(options.step >= 1 and options.start >= 0
               and (n == 0 or options.start + options.step * (n - 1) < x[axis]),
               f"{where} (SLICE): start {options.start}, step {options.step}, count {n} exceed "
               f"dimension {x[axis]}")
    elif op in ("CONCAT", "SOFTMAX", "LOG_SOFTMAX", "CUMSUM", "GATHER"):
        rank = len(shape(ins[0]))
        _check(0 <= options.axis < max(rank, 1), f"{where} ({op}): axis {options.axis} out of range for rank {rank}")
        if op == "GATHER":
            _check(ins[1].dtype in (fb.DType.INT64, fb.DType.INT32),
                   f"{where} (GATHER): indices must be INT64 or INT32")
    elif op.startswith("REDUCE_"):
        rank = len(shape(ins[0]))
        axes = _list(options.axes)
        _check(all(0 <= a < rank for a in axes) and len(set(axes)) == len(axes),
               f"{where} ({op}): axes {axes} invalid for rank {rank}")
    elif op == "LAYER_NORM":
        rank = len(shape(ins[0]))
        _check(0 <= options.axis < rank, f"{where} (LAYER_NORM): axis {options.axis} out of range")
    elif op == "PAD":
        pads = _list(options.pads)
        _check(len(pads) == 2 * len(shape(ins[0])) and min(pads, default=0) >= 0,
               f"{where} (PAD): pads {pads} invalid for rank {len(shape(ins[0]))}")


def _prepare(op, ins, outs, options, where, quant=None):
    """Static checks of one operator: dtypes, ranks and the shape rules that do not
    depend on run-time sizes (checked at the maxima)."""
    out = outs[0]
    shape = lambda t: _list(t.shape)  # noqa: E731
    # quantized int8 (the op's integer kernel) or plain int8 arithmetic (the generic one)
    int8 = op in INT8_OPS and out.dtype == fb.DType.INT8 and out.quantization is not None
    if int8:
        _prepare_int8(op, ins, outs, quant, where)
        ins = ins[:1] if op in INT8_TABLE_INPUT else ins
    else:
        _check(quant is None or op in QUANT_PASSTHROUGH, f"{where} ({op}): QuantParams on a float operator")
        if op in INT8_TABLE_INPUT:
            _check(len(ins) == 1, f"{where} ({op}): a table input is for int8 operators only")
    if op == "QUANTIZE":
        _check(ins[0].dtype == fb.DType.FLOAT32 and out.dtype == fb.DType.INT8 and _per_tensor(out)
               and shape(ins[0]) == shape(out), f"{where} (QUANTIZE): FLOAT32 in, per-tensor INT8 out, same shape")
    elif op == "DEQUANTIZE":
        _check(ins[0].dtype == fb.DType.INT8 and _per_tensor(ins[0]) and out.dtype == fb.DType.FLOAT32
               and shape(ins[0]) == shape(out), f"{where} (DEQUANTIZE): per-tensor INT8 in, FLOAT32 out, same shape")
    int8_weight = False
    if op in INT8_WEIGHT_OPS and not int8 and ins[1].dtype == fb.DType.INT8:
        q = ins[1].quantization
        _check(q is not None and q.axis in (-1, 0) and not any(_list(q.zeroPoint))
               and len(q.scale) in (1, _list(ins[1].shape)[0]),
               f"{where} ({op}): an INT8 weight needs symmetric scales per output channel")
        int8_weight = True                      # the float rule for the other operands
    elif getattr(options, "dynamicQuantization", False):
        raise VerifyError(f"{where} ({op}): dynamic_quantization needs an INT8 weight")
    if op in _FLOAT_ONLY and not int8:
        for p, t in enumerate(ins + outs):
            _check(t is None or t.dtype == fb.DType.FLOAT32 or (p == 1 and int8_weight),
                   f"{where} ({op}): operand {p} must be FLOAT32")
    if op in _BOOL_OUT:
        _check(out.dtype == fb.DType.BOOL, f"{where} ({op}): output must be BOOL")
    _option_rules(op, ins, out, options, where, int8)
    act = getattr(options, "activation", None)
    _check(act is None or act in _ACTIVATIONS, f"{where} ({op}): activation {act} not in the Activation enum")
    _shape_rules(op, [shape(t) if t is not None else None for t in ins], shape(out), options, where)
    _dtype_rules(op, ins, out, int8, where)


_ACTIVATIONS = frozenset(v for k, v in vars(fb.Activation).items() if not k.startswith("_"))
# Arithmetic the C kernels run on numbers only (not BOOL).
_NUMERIC = frozenset({"ADD", "SUB", "MUL", "DIV", "POW", "MAXIMUM", "MINIMUM", "NEG", "RELU"})
# Ops whose output has their (first) input's shape.
_SAME_SHAPE = frozenset({"LOGICAL_NOT", "EXP", "LOG", "SQRT", "RSQRT", "NEG", "ABS", "ERF", "CAST", "RELU",
                         "SIGMOID", "TANH", "HARDSWISH", "CLAMP", "GELU", "SOFTMAX", "LOG_SOFTMAX",
                         "LAYER_NORM", "CUMSUM"})
_BROADCAST = frozenset(SPECS) & frozenset({"ADD", "SUB", "MUL", "DIV", "POW", "MAXIMUM", "MINIMUM", "EQUAL",
                                           "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL",
                                           "LOGICAL_AND", "LOGICAL_OR", "WHERE"})


def _broadcast(shapes):
    """The shape numpy broadcasting gives, or None (the C runtime's rule)."""
    rank = max(len(s) for s in shapes)
    out = []
    for d in range(rank):
        dims = [s[d - rank + len(s)] for s in shapes if d - rank + len(s) >= 0]
        other = {v for v in dims if v != 1}
        if len(other) > 1:
            return None
        out.append(other.pop() if other else 1)
    return out


def _pooled(n, k, s, before, after, d):
    return (n + before + after - d * (k - 1) - 1) // s + 1


def _shape_rules(op, ins, out, options, where):
    """The output shape each op computes from its inputs' (at the maxima), as the C ops'
    checks: a file that breaks one is refused by both runtimes."""
    x = ins[0] if ins else None
    if op in _SAME_SHAPE:
        _check(out == x, f"{where} ({op}): input {x} and output {out} differ in shape")
        if op == "LAYER_NORM":
            _check(all(t is None or t == x[options.axis:] for t in ins[1:3]),
                   f"{where} (LAYER_NORM): weight and bias must be of shape {x}[{options.axis}:]")
    elif op in _BROADCAST:
        _check(_broadcast(ins) == out, f"{where} ({op}): inputs {ins} do not broadcast to the output {out}")
    elif op == "BATCH_MATMUL":
        a, b = ins
        ok = len(a) >= 2 and len(b) >= 2 and len(out) == max(len(a), len(b))
        ok = ok and a[-1] == b[-2] and out[-2:] == [a[-2], b[-1]]
        ok = ok and _broadcast([a[:-2], b[:-2]]) == out[:-2] if ok and len(out) > 2 else ok
        _check(ok, f"{where} (BATCH_MATMUL): a {a}, b {b}, output {out}: not (..., M, K) x (..., K, N) -> (..., M, N)")
    elif op == "CONCAT":
        axis = options.axis
        ok = all(len(t) == len(out) and all(t[d] == out[d] for d in range(len(t)) if d != axis) for t in ins)
        _check(ok and sum(t[axis] for t in ins) == out[axis],
               f"{where} (CONCAT): inputs {ins} do not concatenate on axis {axis} to {out}")
    elif op == "PERMUTE":
        perm = _list(options.perm)
        _check(out == [x[p] for p in perm], f"{where} (PERMUTE): input {x} permuted by {perm} is not {out}")
    elif op == "SLICE":
        axis = options.axis
        _check(len(out) == len(x) and all(out[d] == x[d] for d in range(len(x)) if d != axis),
               f"{where} (SLICE): input {x}, output {out}, axis {axis} inconsistent")
    elif op.startswith("REDUCE_"):
        axes = set(_list(options.axes))
        want = [1 if d in axes else n for d, n in enumerate(x)] if options.keepDims else \
               [n for d, n in enumerate(x) if d not in axes]
        _check(out == want, f"{where} ({op}): input {x} reduced over {sorted(axes)} is not output {out}")
        if op == "REDUCE_MAX":
            _check(all(x[a] > 0 for a in axes) or 0 in out,
                   f"{where} (REDUCE_MAX): maximum over an empty axis: the reduction has no identity")
    elif op == "EXPAND":
        _check(len(x) <= len(out) and all(v in (1, out[d + len(out) - len(x)]) for d, v in enumerate(x)),
               f"{where} (EXPAND): input {x} does not broadcast to output {out}")
    elif op == "PAD":
        pads = _list(options.pads)
        _check(len(out) == len(x) and all(out[d] == x[d] + pads[2 * d] + pads[2 * d + 1] for d in range(len(x))),
               f"{where} (PAD): input {x} with pads {pads} does not give output {out}")
    elif op == "GATHER":
        axis = options.axis
        _check(out == x[:axis] + ins[1] + x[axis + 1:],
               f"{where} (GATHER): data {x}, indices {ins[1]} on axis {axis} do not give output {out}")
    elif op in ("RESIZE_NEAREST", "RESIZE_BILINEAR"):
        _check(len(x) == 4 and len(out) == 4 and x[:2] == out[:2],
               f"{where} ({op}): input {x} and output {out} must be (N, C, H, W) with equal N, C")
        _check(all(np.isfinite(v) and v >= 0 for v in (options.scaleH, options.scaleW)),
               f"{where} ({op}): scales {options.scaleH}, {options.scaleW} must be finite and >= 0")
        _check(np.prod(out) == 0 or (x[2] >= 1 and x[3] >= 1), f"{where} ({op}): input {x} has no pixel to sample")
    elif op in ("MAX_POOL2D", "AVG_POOL2D"):
        o = options
        want = x[:2] + [_pooled(x[2], o.kernelH, o.strideH, o.padTop, o.padBottom, o.dilationH),
                        _pooled(x[3], o.kernelW, o.strideW, o.padLeft, o.padRight, o.dilationW)]
        _check(out == want, f"{where} ({op}): input {x} gives output {want}, not {out}")


def _dtype_rules(op, ins, out, int8, where):
    """Operands that must share a dtype (the C ops' checks)."""
    if op in _BROADCAST and op != "WHERE" or op == "BATCH_MATMUL":
        dts = {t.dtype for t in ins if t is not None}
        _check(len(dts) == 1 and (op in _BOOL_OUT or out.dtype in dts),
               f"{where} ({op}): dtypes {[t.dtype for t in ins]} -> {out.dtype}: operands must share a dtype")
    elif op == "WHERE":
        _check(ins[0].dtype == fb.DType.BOOL and ins[1].dtype == ins[2].dtype == out.dtype,
               f"{where} (WHERE): a BOOL condition and two operands of the output's dtype")
    elif op in _SAME_SHAPE and op not in ("CAST", "LOGICAL_NOT") and not int8:
        _check(ins[0].dtype == out.dtype, f"{where} ({op}): input and output dtypes differ")
    if op in _NUMERIC:
        _check(out.dtype != fb.DType.BOOL, f"{where} ({op}): operands must share a numeric dtype (not BOOL)")
    if op in ("LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"):
        _check(all(t.dtype == fb.DType.BOOL for t in ins), f"{where} ({op}): inputs and output must be BOOL")
    elif op == "REDUCE_SUM":
        _check(ins[0].dtype != fb.DType.FLOAT32 or out.dtype == fb.DType.FLOAT32,
               f"{where} (REDUCE_SUM): a FLOAT32 input needs a FLOAT32 output")
    elif op == "REDUCE_MAX":
        _check(ins[0].dtype == out.dtype, f"{where} (REDUCE_MAX): input and output dtypes must agree")
