"""torch.export's symbolic sizes (sympy expressions over the input dimensions) as IR Dims:
`c*a*b + d` as a DimExpr, and anything else the shapes of inference graphs produce -
floor and ceiling division, modulo, min, max of sums and products - as a dimension program
(schema/dims.py)."""
from __future__ import annotations

import sympy
from torch.utils._sympy import functions as F

from exporter.ir import Dim
from schema import dims as dimprog


class SizeError(Exception):
    """The expression has no Ember form."""


def _affine(expr, symbols):
    """Dim(c, d, a, b) for expr = c*a*b + d with integer c, d; else None."""
    expr = sympy.expand(expr)
    if expr.is_Integer:
        return Dim.static(int(expr))
    const, rest = expr.as_coeff_Add()
    coeff, factors = rest.as_coeff_mul()
    syms = []
    for f in factors:
        if f.is_Symbol:
            syms.append(f)
        elif f.is_Pow and f.base.is_Symbol and f.exp.is_Integer and f.exp > 0:
            syms += [f.base] * int(f.exp)
        else:
            return None
    if len(syms) > 2 or not coeff.is_Integer or not const.is_Integer or coeff < 0:
        return None
    if any(s not in symbols for s in syms):
        raise SizeError(f"dimension {expr} depends on a size that is not an input dimension")
    idx = [symbols[s] for s in syms] + [-1] * (2 - len(syms))
    return Dim(int(coeff), int(const), idx[0], idx[1])


_BINARY = {F.FloorDiv: "FLOOR_DIV", F.CeilDiv: "CEIL_DIV", F.Mod: "MOD", F.PythonMod: "MOD"}


def _steps(expr, symbols, out):
    """Append the postfix steps computing `expr` to `out`."""
    if expr.is_Integer:
        out.append(("CONST", int(expr)))
    elif expr.is_Symbol:
        if expr not in symbols:
            raise SizeError(f"dimension depends on {expr}, a size that is not an input dimension")
        out.append(("SIZE", symbols[expr]))
    elif isinstance(expr, (sympy.Add, sympy.Mul, sympy.Max, sympy.Min, F.Max, F.Min)):
        op = {sympy.Add: "ADD", sympy.Mul: "MUL"}.get(type(expr)) or ("MAX" if "Max" in type(expr).__name__ else "MIN")
        args = list(expr.args)
        _steps(args[0], symbols, out)
        for a in args[1:]:
            _steps(a, symbols, out)
            out.append((op, 0))
    elif isinstance(expr, sympy.Pow) and expr.exp.is_Integer and 0 < expr.exp <= 4:
        for k in range(int(expr.exp)):
            _steps(expr.base, symbols, out)
            if k:
                out.append(("MUL", 0))
    elif type(expr) in _BINARY:
        _steps(expr.args[0], symbols, out)
        _steps(expr.args[1], symbols, out)
        out.append((_BINARY[type(expr)], 0))
    elif isinstance(expr, F.CeilToInt) and isinstance(expr.args[0], F.IntTrueDiv):
        _steps(expr.args[0].args[0], symbols, out)
        _steps(expr.args[0].args[1], symbols, out)
        out.append(("CEIL_DIV", 0))
    else:
        raise SizeError(f"dimension {expr}: {type(expr).__name__} has no Ember form")


def dim_of(expr, symbols: dict) -> Dim:
    """The IR Dim of sympy expression `expr`; symbols maps sympy symbols to symbol indices."""
    affine = _affine(expr, symbols)
    if affine is not None:
        return affine
    steps = []
    _steps(expr, symbols, steps)
    try:
        dimprog.check(steps, len(symbols))
    except dimprog.DimError as e:
        raise SizeError(f"dimension {expr}: {e}") from None
    return Dim.of_program(steps)
