"""Rules shared by the ops' `check` functions (as runtime_c/src/ops/op.h, arith.h and
compare.h share theirs).

Every kernel file defines `check(ins, out, options, where, int8)`, called by the loader
once per operator before anything runs: `ins` are the input tensors (generated *T
objects; None where an optional one is absent), `out` the output tensor, `options` the
operator's options table (None for an op without one), `where` names the operator in
messages ("method 'forward' operator 3 (ADD)") and `int8` says the operator runs its
integer kernel (runtime_py/kernels/int8). A check raises VerifyError on the first rule
the operator breaks. Shapes are the tensors' declared ones: dynamic sizes at their maxima.
"""
import numpy as np

from runtime_py.errors import VerifyError
from schema import fb

MAX_ELEMENTS = 1 << 40   # elements in a tensor, and each dimension (the format's bound)
ACTIVATIONS = frozenset(v for k, v in vars(fb.Activation).items() if not k.startswith("_"))


def require(cond, message):
    if not cond:
        raise VerifyError(message)


def ints(v):
    """A FlatBuffer integer vector as a list (an absent one is empty)."""
    return [] if v is None else [int(x) for x in v]


def dims(t):
    """A tensor's shape as a list of ints."""
    return ints(t.shape)


def per_tensor(t):
    """Per-tensor quantization with its zero point stored."""
    q = t.quantization if t is not None else None
    return q is not None and q.axis == -1 and q.zeroPoint is not None and len(q.zeroPoint) == 1


def activation(options, where):
    """A fused activation (CONV2D, FULLY_CONNECTED, the binary ops) is one of the enum."""
    act = getattr(options, "activation", None)
    require(act is None or act in ACTIVATIONS, f"{where}: activation {act} not in the Activation enum")


def broadcast(shapes):
    """The shape numpy broadcasting gives, or None (the C runtime's rule)."""
    rank = max(len(s) for s in shapes)
    out = []
    for d in range(rank):
        ds = [s[d - rank + len(s)] for s in shapes if d - rank + len(s) >= 0]
        other = {v for v in ds if v != 1}
        if len(other) > 1:
            return None
        out.append(other.pop() if other else 1)
    return out


def pooled(n, k, s, before, after, d):
    """Output positions of a window of k taps (dilation d, stride s) over n padded ones."""
    return (n + before + after - d * (k - 1) - 1) // s + 1


# ---- elementwise: the output has the input's shape (and dtype) ----------------
def same_shape(ins, out, where):
    x = dims(ins[0]) if ins else None
    require(dims(out) == x, f"{where}: input {x} and output {dims(out)} differ in shape")


def same_dtype(ins, out, where, int8):
    """A float op's output has its input's dtype (an int8 kernel's output is INT8 anyway)."""
    if not int8:
        require(ins[0].dtype == out.dtype, f"{where}: input and output dtypes differ")


def numeric(out, where):
    """Arithmetic the C kernels run on numbers only (not BOOL)."""
    require(out.dtype != fb.DType.BOOL, f"{where}: operands must share a numeric dtype (not BOOL)")


def all_bool(ins, where):
    require(all(t.dtype == fb.DType.BOOL for t in ins), f"{where}: inputs and output must be BOOL")


def elementwise(ins, out, options, where, int8):
    """EXP, SIGMOID, CLAMP, ...: output of the input's shape and dtype."""
    same_shape(ins, out, where)
    same_dtype(ins, out, where, int8)


def axis(ins, options, where):
    """An AxisOptions axis inside the (first) input's rank (0 for a scalar)."""
    rank = len(dims(ins[0]))
    require(0 <= options.axis < max(rank, 1), f"{where}: axis {options.axis} out of range for rank {rank}")


def along_axis(ins, out, options, where, int8):
    """SOFTMAX, LOG_SOFTMAX, CUMSUM: elementwise along an axis."""
    axis(ins, options, where)
    elementwise(ins, out, options, where, int8)


# ---- broadcasting binary ops (arith.h, compare.h) ------------------------------
def broadcasts(ins, out, where):
    shapes = [dims(t) for t in ins]
    require(broadcast(shapes) == dims(out), f"{where}: inputs {shapes} do not broadcast to the output {dims(out)}")


def shared_dtype(ins, out, where, bool_out=False):
    """Operands of one dtype, and the output's too (unless the op's output is BOOL)."""
    dts = {t.dtype for t in ins if t is not None}
    require(len(dts) == 1 and (bool_out or out.dtype in dts),
            f"{where}: dtypes {[t.dtype for t in ins]} -> {out.dtype}: operands must share a dtype")


def arith(ins, out, options, where, int8):
    """ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM: inputs broadcast to the output, one
    numeric dtype, a fused activation."""
    activation(options, where)
    broadcasts(ins, out, where)
    shared_dtype(ins, out, where)
    numeric(out, where)


def compare(ins, out, options, where, int8):
    """EQUAL ... GREATER_EQUAL: inputs of one dtype broadcast to the BOOL output."""
    activation(options, where)
    broadcasts(ins, out, where)
    shared_dtype(ins, out, where, bool_out=True)


def logical(ins, out, options, where, int8):
    """LOGICAL_AND, LOGICAL_OR: BOOL inputs broadcast to the BOOL output."""
    compare(ins, out, options, where, int8)
    all_bool(ins, where)


# ---- reductions and resampling -------------------------------------------------
def reduce(ins, out, options, where, int8):
    """REDUCE_*: distinct axes inside the rank; the output is the input without them (or
    with them as 1 under keep_dims)."""
    x = dims(ins[0])
    axes = ints(options.axes)
    require(all(0 <= a < len(x) for a in axes) and len(set(axes)) == len(axes),
            f"{where}: axes {axes} invalid for rank {len(x)}")
    axes = set(axes)
    want = [1 if d in axes else n for d, n in enumerate(x)] if options.keepDims else \
           [n for d, n in enumerate(x) if d not in axes]
    require(dims(out) == want, f"{where}: input {x} reduced over {sorted(axes)} is not output {dims(out)}")


def resize(ins, out, options, where, int8):
    """RESIZE_NEAREST, RESIZE_BILINEAR: (N, C, H, W) to (N, C, OH, OW) by finite scales."""
    x, y = dims(ins[0]), dims(out)
    require(len(x) == 4 and len(y) == 4 and x[:2] == y[:2],
            f"{where}: input {x} and output {y} must be (N, C, H, W) with equal N, C")
    require(all(np.isfinite(v) and v >= 0 for v in (options.scaleH, options.scaleW)),
            f"{where}: scales {options.scaleH}, {options.scaleW} must be finite and >= 0")
    require(np.prod(y) == 0 or (x[2] >= 1 and x[3] >= 1), f"{where}: input {x} has no pixel to sample")


def no_rule(ins, out, options, where, int8):
    """An op whose output shape is the file's to state (ARANGE, FULL: values from options)."""
