"""Dimension programs (schema 2.2): the semantics, written once for the exporter and the
Python runtime; runtime_c/src/program.c implements the same rules.

A program is a list of (op, value) steps over a stack of integers: CONST pushes `value`,
SIZE pushes the symbol S[value]; ADD, MUL, FLOOR_DIV, CEIL_DIV, MOD, MIN and MAX pop b,
then a, and push the result. Every value on the stack stays within [-LIMIT, LIMIT]
(2^40, the element bound of every tensor): a step that would leave it fails, as does
a divisor below 1. A valid program has at most MAX_STEPS steps, never holds more than
MAX_DEPTH values and ends with exactly one: the dimension.
"""
from __future__ import annotations

OPS = ("CONST", "SIZE", "ADD", "MUL", "FLOOR_DIV", "CEIL_DIV", "MOD", "MIN", "MAX")
LIMIT = 1 << 40
MAX_STEPS = 32
MAX_DEPTH = 8


class DimError(ValueError):
    """A program that is malformed, or that fails at these sizes."""


def _binary(op: str, a: int, b: int) -> int:
    if op in ("FLOOR_DIV", "CEIL_DIV", "MOD") and b < 1:
        raise DimError(f"{op} by {b} (the divisor must be at least 1)")
    if op == "ADD":
        return a + b
    if op == "MUL":
        return a * b
    if op == "FLOOR_DIV":
        return a // b
    if op == "CEIL_DIV":
        return -(-a // b)
    if op == "MOD":
        return a % b
    return min(a, b) if op == "MIN" else max(a, b)


def check(steps, n_symbols: int) -> None:
    """Raise DimError unless `steps` (a sequence of (op name, value)) is well formed."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise DimError(f"{len(steps)} steps (1 to {MAX_STEPS})")
    depth = 0
    for k, (op, value) in enumerate(steps):
        if op not in OPS:
            raise DimError(f"step {k}: unknown op {op!r}")
        if op == "SIZE" and not 0 <= value < n_symbols:
            raise DimError(f"step {k}: symbol {value} out of range [0, {n_symbols})")
        if op == "CONST" and abs(value) > LIMIT:
            raise DimError(f"step {k}: constant {value} beyond 2^40")
        if op not in ("CONST", "SIZE") and value != 0:
            raise DimError(f"step {k}: {op} carries value {value}")
        depth += 1 if op in ("CONST", "SIZE") else -1
        if depth < 1 or depth > MAX_DEPTH:
            raise DimError(f"step {k}: stack depth {depth} (1 to {MAX_DEPTH})")
    if depth != 1:
        raise DimError(f"ends with {depth} values, not 1")


def evaluate(steps, sizes) -> int:
    """The dimension at symbol values `sizes` (a well-formed program); DimError when a value
    leaves [-2^40, 2^40] or a divisor is below 1."""
    stack = []
    for op, value in steps:
        if op == "CONST":
            v = value
        elif op == "SIZE":
            v = sizes[value]
        else:
            b, a = stack.pop(), stack.pop()
            v = _binary(op, a, b)
        if abs(v) > LIMIT:
            raise DimError(f"{op} gives {v}, beyond 2^40")
        stack.append(v)
    return stack[0]


_INFIX = {"ADD": ("+", 1), "SUB": ("-", 1), "MUL": ("*", 2), "FLOOR_DIV": ("//", 2), "MOD": ("%", 2)}
_ATOM = 3


def describe(steps, names) -> str:
    """A readable form, constants last: [SIZE h, CONST -1, ADD, CONST 2, FLOOR_DIV] -> '(h - 1) // 2'."""
    stack = []                     # (text, precedence)
    for op, value in steps:
        if op in ("CONST", "SIZE"):
            text = str(value) if op == "CONST" else names[value] if 0 <= value < len(names) else f"S{value}"
            stack.append((text, _ATOM))
            continue
        (b, pb), (a, pa) = stack.pop(), stack.pop()
        if op in ("MIN", "MAX", "CEIL_DIV"):
            stack.append((f"{op.lower().replace('_', '')}({a}, {b})", _ATOM))
            continue
        if op in ("ADD", "MUL") and pa == _ATOM and a.lstrip("-").isdigit() and not b.lstrip("-").isdigit():
            (a, pa), (b, pb) = (b, pb), (a, pa)       # the constant last: h + 1, 2 * h stays
            if op == "MUL":
                (a, pa), (b, pb) = (b, pb), (a, pa)
        if op == "ADD" and pb == _ATOM and b.startswith("-"):
            op, b = "SUB", b[1:]
        symbol, prec = _INFIX[op]
        a = a if pa >= prec else f"({a})"
        b = b if pb > prec or (pb == prec == 1 and op == "ADD") else f"({b})"     # a + (b - c) = a + b - c
        stack.append((f"{a} {symbol} {b}", prec))
    return stack[0][0] if stack else "?"
