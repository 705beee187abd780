"""torch.export's "Constraints violated" errors in the user's words.

torch.export checks that every size of a dimension marked dynamic works the same way
through the model. When it does not, it reports guards over `L['x'].size()[2]` and
suggested fixes; Ember says instead which input and dimension, which sizes the model
accepts (found by evaluating the guards over the asked range), and what to pass.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_TERM = r"L\['(\w+)'\]\.size\(\)\[(\d+)\]"
_GUARD = re.compile(rf"Not all values of (\w+) = {_TERM} in the specified range .*? satisfy the generated "
                    rf"guard (.*)\.\s*$")
_CONSTANT = re.compile(r"You marked (\w+) as dynamic but your code specialized it to be a constant \((\d+)\)")
_SPECIALIZED = re.compile(rf"solving the guards generated for (\w+) = {_TERM} resulted in a specialized "
                          rf"value of (\d+)")
_EQUAL = re.compile(rf"The values of (\w+) = {_TERM} and (\w+) = {_TERM} must always be equal")
_UNEQUAL = re.compile(rf"{_TERM} = (\d+) is not equal to {_TERM} = (\d+)")
_MAX_EVALUATED = 1 << 16     # sizes a guard is evaluated at, at most
_SAFE = re.compile(r"^[\ss0-9+\-*/%()<>=!,]*$")     # after the size term is replaced by `s`


def _holds(guard: str, value: int):
    """The guard (Python syntax over one size term) at `value`; None if it is not plain
    integer arithmetic over that one size."""
    terms = set(re.findall(_TERM, guard))
    if len(terms) != 1:
        return None
    expr = re.sub(_TERM, "s", guard).replace("Max(", "max(").replace("Min(", "min(")
    if not _SAFE.match(expr.replace("max(", "(").replace("min(", "(")):
        return None
    try:
        return bool(eval(expr, {"__builtins__": {}, "max": max, "min": min}, {"s": value}))  # noqa: S307
    except (ArithmeticError, SyntaxError, TypeError):
        return None


def _sizes(values: list) -> str:
    """Allowed sizes in words: runs (1..4, 13..64), or the multiples of a number."""
    lo, hi = values[0], values[-1]
    step = math.gcd(*values) if len(values) > 1 else 0
    if step > 1 and values == list(range(lo, hi + 1, step)):
        return f"the multiples of {step} in {lo}..{hi}"
    runs, start = [], values[0]
    for a, b in zip(values, values[1:] + [None]):
        if b != a + 1:
            runs.append(str(a) if a == start else f"{start}..{a}")
            start = b
    return ", ".join(runs[:8]) + (", ..." if len(runs) > 8 else "")


def _where(name, arg, dim):
    return f"{name} (input '{arg}' dimension {dim})"


def _guards_message(guards: dict, dynamic: dict) -> list:
    """(line, fix) per dynamic size with failing guards; fix is the DynamicDim change that
    makes every guard hold (min=K or multiple=K), or None."""
    lines = []
    for (name, arg, dim), exprs in guards.items():
        d = dynamic.get(name)
        lo, hi = (d.min, d.max) if d is not None else (1, 64)
        ok = None if hi - lo > _MAX_EVALUATED else []      # a huge range: the guards as they are
        for v in range(lo, hi + 1) if ok is not None else ():
            held = [_holds(g, v) for g in exprs]
            if None in held:
                ok = None
                break
            if all(held):
                ok.append(v)
        what = _where(name, arg, dim)
        if ok is None:
            readable = "; ".join(re.sub(_TERM, name, g) for g in exprs)
            lines.append((f"{what}: the model needs {readable}, not every size in {lo}..{hi}", None))
        elif not ok:
            lines.append((f"{what}: no size in {lo}..{hi} works the same way through the model: export it "
                          f"with a fixed size", None))
        elif ok == list(range(lo, hi + 1)):
            readable = "; ".join(re.sub(_TERM, name, g) for g in exprs)
            lines.append((f"{what}: torch.export could not prove its guard {readable} for every size in "
                          f"{lo}..{hi}, although it holds at each of them (a limit of torch.export's solver: "
                          f"writing that part of the model another way may avoid the guard)", None))
        elif ok == list(range(ok[0], hi + 1)):
            lines.append((f"{what}: torch.export's guards allow sizes {ok[0]}..{hi} only: pass min={ok[0]} "
                          f"(DynamicDim('{name}', dim={dim}, max={hi}, min={ok[0]}))", {"min": ok[0]}))
        else:
            advice, fix = _advice(name, dim, lo, hi, ok)
            lines.append((f"{what}: torch.export's guards allow sizes {_sizes(ok)} only, not every size in "
                          f"{lo}..{hi}" + advice, fix))
    return lines


def _advice(name, dim, lo, hi, ok) -> tuple:
    """(what to pass, the DynamicDim change): a higher minimum when the sizes that work are one
    run up to the maximum that covers half the range or more; else the smallest k whose
    multiples in range all work (a U-Net: its skip connections meet upsampled maps); else the
    run up to the maximum; ("", None) when none of these."""
    allowed = set(ok)
    tail = hi
    while tail - 1 in allowed:
        tail -= 1
    at_least = (f": pass min={tail} (DynamicDim('{name}', dim={dim}, max={hi}, min={tail}))", {"min": tail})
    if hi in allowed and tail > lo and hi - tail + 1 >= (hi - lo + 1) // 2:
        return at_least
    for k in range(2, 65):
        multiples = range(-(-lo // k) * k, hi + 1, k)
        if len(multiples) >= 2 and all(v in allowed for v in multiples):
            return (f": pass multiple={k} (DynamicDim('{name}', dim={dim}, max={hi}, min={lo}, multiple={k}))",
                    {"multiple": k})
    return at_least if hi in allowed and tail > lo else ("", None)


@dataclass
class Explanation:
    """text: one line for the user. fixes: {size name: DynamicDim changes} that make every
    violated guard hold, complete when every line of the text has one."""
    text: str
    fixes: dict = field(default_factory=dict)
    complete: bool = False


def explain(message: str, dynamic) -> Explanation | None:
    """A torch.export constraint error in the user's words, or None when `message` is not one."""
    if m := _UNEQUAL.search(message):
        names = [d.name for d in dynamic if d.dim == int(m[2])] or ["a dynamic size"]
        return Explanation(f"{names[0]} is one size for dimension {m[2]} of every input, but the example's input "
                           f"'{m[1]}' has {m[3]} there and input '{m[4]}' has {m[6]}")
    if "Constraints violated" not in message and "Specializations unexpectedly required" not in message:
        return None
    by_name = {d.name: d for d in dynamic if d.multiple == 1}
    lines, guards, fixed = [], {}, set()
    for raw in message.splitlines():
        text = raw.strip().removeprefix("- ")
        if m := _GUARD.search(text):
            guards.setdefault((m[1], m[2], int(m[3])), []).append(m[4])
        elif (m := _CONSTANT.search(text)) and m[1] not in fixed:
            fixed.add(m[1])
            lines.append((f"{m[1]}: the model fixes this size to {m[2]} (a reshape or view with a literal size?): "
                          f"it cannot run at other sizes, so export it without a dynamic {m[1]}", None))
        elif (m := _SPECIALIZED.search(text)) and m[1] not in fixed:
            fixed.add(m[1])
            lines.append((f"{_where(m[1], m[2], m[3])}: the model fixes this size to {m[4]}: export it without a "
                          f"dynamic {m[1]}", None))
        elif m := _EQUAL.search(text):
            lines.append((f"{_where(m[1], m[2], m[3])} and {_where(m[4], m[5], m[6])} must be equal: give both "
                          f"dimensions the same DynamicDim", None))
    guards = {k: v for k, v in guards.items() if k[0] not in fixed}
    pairs = _guards_message(guards, by_name)
    lines += pairs
    if not lines:
        return None
    fixes = {key[0]: fix for key, (_, fix) in zip(guards, pairs) if fix is not None}
    return Explanation("; ".join(text for text, _ in lines), fixes, all(fix is not None for _, fix in lines))
