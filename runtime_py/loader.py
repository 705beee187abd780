"""Load and verify a program file before anything runs.

`read` maps the file (or wraps caller bytes) without copying; `parse` decodes
the FlatBuffer; `verify` walks every index, offset, size, dtype and shape and
raises a typed error with a precise message on the first problem. The rules of one
op live beside its kernel (`check` in runtime_py/kernels/<op>.py and int8/<op>.py),
found through runtime_py/ops.py's tables; this file holds the generic ones.
"""
from __future__ import annotations

import mmap
import os

import numpy as np

from runtime_py.errors import FormatError, VerifyError
from runtime_py.kernels._checks import MAX_ELEMENTS, activation, per_tensor
from runtime_py.kernels._checks import ints as _list
from runtime_py.kernels._checks import require as _check
from runtime_py.ops import CHECKS, INT8_CHECKS
from schema import ARENA_ALIGNMENT, CONSTANT_ALIGNMENT, FILE_IDENTIFIER, VERSION_MAJOR, VERSION_MINOR, dims, fb
from schema.ops import (BOOL_OUT, FLOAT_ONLY, INT8_OPS, INT8_TABLE_INPUT, INT8_WEIGHT_OPS, OPTIONAL_INPUTS,
                        QUANT_PASSTHROUGH, SPECS, STORAGE_DTYPE_OPS)

DTYPES = {fb.DType.FLOAT32: np.dtype(np.float32), fb.DType.INT8: np.dtype(np.int8),
          fb.DType.INT32: np.dtype(np.int32), fb.DType.INT64: np.dtype(np.int64),
          fb.DType.BOOL: np.dtype(np.bool_), fb.DType.UINT8: np.dtype(np.uint8),
          fb.DType.FLOAT16: np.dtype(np.float16), fb.DType.FLOAT64: np.dtype(np.float64)}
OPCODE_NAMES = {v: k for k, v in vars(fb.OpCode).items() if not k.startswith("_")}
LAYOUT_NAMES = {v: k for k, v in vars(fb.Layout).items() if not k.startswith("_")}
OPTION_NAMES = {v: k for k, v in vars(fb.Options).items() if not k.startswith("_")}
INT32_MAX = (1 << 31) - 1
MAX_PLANNED_TENSORS = 16384   # arena tensors a method may use (the C runtime's EMBER_MAX_PLANNED_TENSORS)
MAX_STATE_TENSORS = 4096      # state tensors a program may declare (the C runtime's EMBER_MAX_STATE_TENSORS)


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
    state = _verify_state(program, seg_size)
    methods = program.methods or []
    _check(len(methods) > 0, "program has no methods")
    names = [_s(m.name) for m in methods]
    _check(len(set(names)) == len(names), f"duplicate method names {names}")
    for m in methods:
        try:
            _verify_method(m, seg_size, state)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as e:
            # Every rule should name its problem first; never let one surface as a traceback.
            raise VerifyError(f"method '{_s(m.name)}': inconsistent program ({type(e).__name__}: {e})") from None


def _verify_state(program, seg_size) -> dict:
    """Program.state (2.4): each state tensor's dtype, shape and bytes, its offset (16-byte
    aligned, inside state_size, overlapping no other) and its initial value (same dtype
    and shape, inside the constant segment). Returns {offset: StateTensor}."""
    size = int(program.stateSize)
    _check(size % ARENA_ALIGNMENT == 0 and size <= 1 << 40, f"state size {size} is not a multiple of "
                                                           f"{ARENA_ALIGNMENT} up to 2^40")
    _check(len(program.state or []) <= MAX_STATE_TENSORS,
           f"{len(program.state or [])} state tensors, more than this runtime verifies ({MAX_STATE_TENSORS})")
    by_offset, spans = {}, []
    for j, st in enumerate(program.state or []):
        where = f"state tensor {j} ('{_s(st.name)}')"
        _check(st.dtype in DTYPES, f"{where}: dtype {st.dtype} not in the DType enum")
        shape = _list(st.shape)
        nbytes = _nbytes(shape, DTYPES[st.dtype], where)
        _check(st.nbytes == nbytes, f"{where}: nbytes {st.nbytes} != {nbytes} for shape {shape}")
        _check(st.offset % ARENA_ALIGNMENT == 0 and st.offset + nbytes <= size,
               f"{where}: [{st.offset}, {st.offset + nbytes}) not {ARENA_ALIGNMENT}-aligned inside the state "
               f"memory of {size} bytes")
        _check(st.offset not in by_offset, f"{where}: offset {st.offset} of another state tensor")
        if st.initial is not None:
            td = st.initial
            _check(td.dtype == st.dtype and _list(td.shape) == shape and td.nbytes == nbytes
                   and td.offset % CONSTANT_ALIGNMENT == 0 and td.offset + td.nbytes <= seg_size,
                   f"{where}: initial value is not a {shape} tensor of its dtype inside the constant segment")
        by_offset[st.offset] = st
        if nbytes:
            spans.append((int(st.offset), int(st.offset) + nbytes, j))
    spans.sort()
    end, owner = 0, -1                          # the furthest end so far, and whose
    for start, stop, j in spans:
        _check(start >= end, f"state tensors {owner} and {j} overlap")
        end, owner = stop, j
    return by_offset


_DIM_OPS = {v: k for k, v in vars(fb.DimOp).items() if not k.startswith("_")}


def dim_programs(t) -> list:
    """Per dimension of tensor `t`, its program as (op name, value) steps, or None."""
    progs = t.dimPrograms or []
    return [[(_DIM_OPS.get(st.op, st.op), int(st.value)) for st in (p.steps or [])] if p is not None else None
            for p in progs] + [None] * (len(t.dims or []) - len(progs))


def _verify_dims(t, shape, where, maxv):
    """Each dimension's DimExpr, or (coeff -1, schema 2.2) its program: well formed and
    giving the declared shape at the symbols' maxima."""
    _check(len(t.dims) == len(shape), f"{where}: {len(t.dims)} dims for rank {len(shape)}")
    progs = dim_programs(t)
    _check(t.dimPrograms is None or len(t.dimPrograms) == len(shape),
           f"{where}: {len(t.dimPrograms or [])} dim_programs for rank {len(shape)}")
    for d, e in enumerate(t.dims):
        if e.coeff == -1:
            _check(bool(progs[d]), f"{where} dim {d}: coeff -1 and no dimension program")
            try:
                dims.check(progs[d], len(maxv))
                value = dims.evaluate(progs[d], maxv)
            except dims.DimError as err:
                raise VerifyError(f"{where} dim {d}: dimension program: {err}") from None
        else:
            _check(not progs[d], f"{where} dim {d}: a dimension program on a DimExpr dimension")
            for sym in (e.symA, e.symB):
                _check(-1 <= sym < len(maxv),
                       f"{where} dim {d}: symbol {sym} out of range [-1, {len(maxv)})")
            _check(e.coeff >= 0 and abs(e.add) <= MAX_ELEMENTS, f"{where} dim {d}: bad expression")
            a = maxv[e.symA] if e.symA >= 0 else 1
            b = maxv[e.symB] if e.symB >= 0 else 1
            value = e.coeff * a * b + e.add if e.coeff else e.add
        _check(value == shape[d], f"{where} dim {d}: expression gives {value} at the "
                                  f"maxima, shape says {shape[d]}")


def _verify_tensor(t, where, maxv, seg_size, arena_size, state):
    """One tensor: dtype, shape against nbytes, dynamic expressions against the shape at
    the symbols' maxima (maxv), storage and offset, quantization, layout."""
    _check(t.dtype in DTYPES, f"{where}: dtype {t.dtype} not in the DType enum")
    shape = _list(t.shape)
    nbytes = _nbytes(shape, DTYPES[t.dtype], where)
    _check(t.nbytes == nbytes, f"{where}: nbytes {t.nbytes} != {nbytes} for shape {shape}")
    if t.dims is not None:
        _verify_dims(t, shape, where, maxv)
    _check(t.dims is not None or t.dimPrograms is None, f"{where}: dim_programs without dims")
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
    elif t.storage == fb.Storage.STATE:
        st = state.get(t.offset)
        _check(st is not None and st.dtype == t.dtype and _list(st.shape) == shape,
               f"{where}: STATE at offset {t.offset} is not a {shape} state tensor of its dtype")
        _check(t.dims is None, f"{where}: a state tensor cannot have dynamic dimensions")
    else:
        raise VerifyError(f"{where}: storage {t.storage} not in the Storage enum")
    if t.quantization is not None:
        _verify_quantization(t, shape, where)
    _check(t.layout in LAYOUT_NAMES, f"{where}: layout {t.layout} not in the Layout enum")
    if t.layout != fb.Layout.ROW_MAJOR:
        _check(t.storage == fb.Storage.CONSTANT and t.dtype == fb.DType.FLOAT32 and len(shape) == 2,
               f"{where}: layout {LAYOUT_NAMES[t.layout]} needs a FLOAT32 rank-2 constant")


def _verify_method(m, seg_size, state):
    name = _s(m.name)
    tensors = m.tensors or []
    symbols = m.symbols or []
    for i, s in enumerate(symbols):
        _check(1 <= s.min <= s.max <= MAX_ELEMENTS,
               f"method '{name}' symbol {i}: range [{s.min}, {s.max}] invalid")
    maxv = [s.max for s in symbols]
    for i, t in enumerate(tensors):
        _verify_tensor(t, f"method '{name}' tensor {i}", maxv, seg_size, m.arenaSize, state)
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
        _index(name, tensors, i, f"input {k}")
        _check(tensors[i].storage == fb.Storage.ARENA, f"method '{name}' input {k}: tensor {i} is not in the arena")
        written.add(i)
    for k, op in enumerate(m.operators or []):
        _verify_operator(name, k, op, tensors, written)
    for k, i in enumerate(outputs):
        _index(name, tensors, i, f"output {k}")
        _check(tensors[i].layout == fb.Layout.ROW_MAJOR, f"method '{name}' output {k}: tensor {i} is not row-major")
        if tensors[i].storage == fb.Storage.ARENA:
            _check(i in written, f"method '{name}' output {k}: tensor {i} is never written")
    _check_plan(name, tensors, inputs, outputs, m.operators or [])
    _verify_test_cases(name, m.testCases or [], seg_size)


def _index(name, tensors, i, what, allow_absent=False):
    if allow_absent and i == -1:
        return
    _check(0 <= i < len(tensors), f"method '{name}' {what}: tensor index {i} out of range [0, {len(tensors)})")


def _verify_operator(name, k, op, tensors, written):
    """Operator k (as the C loader's verify_operator): opcode, arity, tensor indices
    (an arena input written before it is read; outputs in the arena, added to `written`),
    the options table, then the op's own rules (_prepare)."""
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
        _index(name, tensors, i, f"operator {k} ({op_name}) input {p}", allow_absent=p in optional)
        if i >= 0 and tensors[i].layout != fb.Layout.ROW_MAJOR:
            _check(op_name == "FULLY_CONNECTED" and p == 1,
                   f"{where} ({op_name}): input {p} (tensor {i}) is stored "
                   f"{LAYOUT_NAMES[tensors[i].layout]}, which only FULLY_CONNECTED's weight may be")
        if i >= 0 and tensors[i].storage == fb.Storage.ARENA:
            _check(i in written, f"{where} ({op_name}): input {p} reads tensor {i} before it is written")
    for p, i in enumerate(outs):
        _index(name, tensors, i, f"operator {k} ({op_name}) output {p}")
        if op_name == "INDEX_COPY":
            _check(tensors[i].storage == fb.Storage.STATE and ins[0] == i,
                   f"{where} ({op_name}): the output must be a STATE tensor, updated in place (input 0)")
            continue                            # state is written in place, by INDEX_COPY only
        _check(tensors[i].storage == fb.Storage.ARENA,
               f"{where} ({op_name}): output {p} (tensor {i}) is not in the arena")
        _check(i not in written, f"{where} ({op_name}): output tensor {i} is already written (by a method input "
                                 f"or an earlier operator)")     # one writer per tensor, as the C loader
        written.add(i)
    want = spec.options
    got = OPTION_NAMES.get(op.optionsType, f"#{op.optionsType}")
    _check((want or "NONE") == got, f"{where} ({op_name}): options table {got}, expected {want or 'NONE'}")
    _prepare(op.opcode, [tensors[i] if i >= 0 else None for i in ins],
             [tensors[i] for i in outs], op.options, where, op.quant)


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
            _check(a.storage != fb.Storage.STATE, f"method '{name}' operator {k} (RESHAPE): a view of state "
                                                  f"tensor {ins[0]} (copy it first)")
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


def _prepare(code, ins, outs, options, where, quant=None):
    """Static checks of one operator: the rules its row in schema/ops.py sets (as the C
    loader's verify_operator), then its kernel's own `check` (runtime_py/kernels/<op>.py,
    or int8/ when it runs its integer kernel): dtypes, ranks, options and the shape rules
    that do not depend on run-time sizes (checked at the maxima)."""
    op = OPCODE_NAMES[code]
    where = f"{where} ({op})"
    out = outs[0]
    # quantized int8 (the op's integer kernel) or plain int8 arithmetic (the generic one)
    int8 = op in INT8_OPS and out.dtype == fb.DType.INT8 and out.quantization is not None
    if int8:
        _check(per_tensor(out), f"{where}: int8 output needs per-tensor quantization")
        INT8_CHECKS[op](ins, out, quant, where)
        ins = ins[:1] if op in INT8_TABLE_INPUT else ins
    else:
        _check(quant is None or op in QUANT_PASSTHROUGH, f"{where}: QuantParams on a float operator")
        if op in INT8_TABLE_INPUT:
            _check(len(ins) == 1, f"{where}: a table input is for int8 operators only")
    int8_weight = False
    if op in INT8_WEIGHT_OPS and not int8 and ins[1].dtype == fb.DType.INT8:
        q = ins[1].quantization
        _check(q is not None and q.axis in (-1, 0) and not any(_list(q.zeroPoint))
               and len(q.scale) in (1, _list(ins[1].shape)[0]),
               f"{where}: an INT8 weight needs symmetric scales per output channel")
        int8_weight = True                      # the float rule for the other operands
    elif getattr(options, "dynamicQuantization", False):
        raise VerifyError(f"{where}: dynamic_quantization needs an INT8 weight")
    if op not in STORAGE_DTYPE_OPS:
        for p, t in enumerate(ins + outs):
            _check(t is None or t.dtype not in (fb.DType.FLOAT16, fb.DType.FLOAT64),
                   f"{where}: operand {p} has a storage dtype (FLOAT16/FLOAT64: CAST and data movement only)")
    if op in FLOAT_ONLY and not int8:
        for p, t in enumerate(ins + outs):
            _check(t is None or t.dtype == fb.DType.FLOAT32 or (p == 1 and int8_weight),
                   f"{where}: operand {p} must be FLOAT32")
    if op in BOOL_OUT:
        _check(out.dtype == fb.DType.BOOL, f"{where}: output must be BOOL")
    CHECKS[code](ins, out, options, where, int8)
    activation(options, where)   # the ops that fuse one check it among their own rules; a safety net
