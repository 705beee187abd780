"""Rules shared by the int8 kernels' `check` functions.

Every int8 kernel file defines `check(ins, out, quant, where)`, called by the loader for an
operator that runs it (its output INT8 with per-tensor quantization, already checked):
`ins` are the input tensors (None where an optional one is absent), `out` the output,
`quant` the
operator's QuantParams (None if it has none) and `where` names the operator in messages."""
from runtime_py.kernels._checks import dims, ints, per_tensor, require
from schema import fb


def requantized(data, quant, where):
    """The operands `data` INT8 with per-tensor quantization, and the QuantParams that
    rescale them in range; returns the multipliers."""
    for p, t in enumerate(data):
        require(t is not None and t.dtype == fb.DType.INT8 and per_tensor(t),
                f"{where}: int8 operand {p} must be INT8 with per-tensor quantization")
    require(quant is not None, f"{where}: int8 operator without QuantParams")
    mult, shift = ints(quant.multiplier), ints(quant.shift)
    require(len(mult) == len(shift), f"{where}: {len(mult)} multipliers, {len(shift)} shifts")
    require(all(0 <= m < 2 ** 31 for m in mult) and all(-31 <= v <= 30 for v in shift),
            f"{where}: multipliers must be in [0, 2^31) and shifts in [-31, 30]")
    require(-128 <= quant.actMin <= quant.actMax <= 127,
            f"{where}: clamp [{quant.actMin}, {quant.actMax}] outside int8")
    require(0 <= quant.leftShift <= 20, f"{where}: left shift {quant.leftShift} outside [0, 20]")
    return mult


def one_multiplier(ins, out, quant, where):
    """MUL, BATCH_MATMUL, the pools, REDUCE_MEAN: every input quantized, one rescale."""
    mult = requantized(ins, quant, where)
    require(len(mult) == 1, f"{where}: needs 1 multiplier, has {len(mult)}")


def gemm(ins, out, quant, where):
    """CONV2D, FULLY_CONNECTED: a quantized input; the weight INT8, symmetric, per output
    channel (one multiplier, or one per channel); an INT32 bias."""
    mult = requantized(ins[:1], quant, where)
    w = ins[1]
    q = w.quantization
    require(w.dtype == fb.DType.INT8 and q is not None and not any(ints(q.zeroPoint)) and q.axis in (-1, 0),
            f"{where}: weight must be INT8, symmetric, per output channel")
    channels = dims(w)[0]
    require(len(mult) in (1, channels), f"{where}: {len(mult)} multipliers for {channels} channels")
    if len(ins) > 2 and ins[2] is not None:
        require(ins[2].dtype == fb.DType.INT32, f"{where}: int8 bias must be INT32")


def table(ins, entries, where):
    """A quantized INT8 input and a 256-entry table (input 1) of dtype `entries` ("INT8")."""
    require(len(ins) == 2 and ins[1] is not None and ins[1].dtype == getattr(fb.DType, entries)
            and dims(ins[1]) == [256]
            and ins[0].dtype == fb.DType.INT8 and per_tensor(ins[0]),
            f"{where}: int8 needs a quantized INT8 input and a 256-entry {entries} table")


def symmetric_weight(w, axes, where):
    """The weight INT8 and symmetric (every zero point 0), quantized per tensor (axis -1)
    or along one of `axes`."""
    q = w.quantization if w is not None else None
    require(w is not None and w.dtype == fb.DType.INT8 and q is not None and not any(ints(q.zeroPoint))
            and q.axis in (-1, *axes),
            f"{where}: weight must be INT8, symmetric, per tensor or along axis {' or '.join(map(str, axes))}")
