"""Constant folding, done while lowering: an ATen node whose tensor inputs are all
constants is evaluated with torch itself (so its semantics are exactly eager's)
and its result becomes a constant. Nodes that depend on a dynamic size are not
folded, and neither are results much larger than their inputs."""
from __future__ import annotations

import torch
import torch.fx

# Evaluating these is pointless or has side effects.
_NEVER = {"aten._assert_tensor_metadata.default", "aten._assert_scalar.default",
          "aten.sym_constrain_range_for_size.default"}

MAX_GROWTH_BYTES = 1 << 20


def _is_symbolic(value) -> bool:
    return isinstance(value, (torch.SymInt, torch.SymFloat, torch.SymBool))


def try_fold(node: torch.fx.Node, constants: dict):
    """Return the folded value of `node`, or None when it cannot be folded.

    `constants` maps fx node names to real tensors (or tuples of them)."""
    if str(node.target) in _NEVER:
        return None
    if torch.Tag.nondeterministic_seeded in getattr(node.target, "tags", ()):
        return None       # random numbers: never baked into the program (reported as unsupported)
    missing = []

    def resolve(a):
        if isinstance(a, torch.fx.Node):
            if a.name in constants:
                return constants[a.name]
            missing.append(a)
            return None
        return a

    args = torch.fx.node.map_aggregate(node.args, resolve)
    kwargs = torch.fx.node.map_aggregate(node.kwargs, resolve)
    if missing:
        return None
    flat = []
    torch.fx.node.map_aggregate((args, kwargs), lambda a: flat.append(a))
    if any(_is_symbolic(a) for a in flat):
        return None
    with torch.no_grad():
        result = node.target(*args, **kwargs)
    in_bytes = sum(a.numel() * a.element_size() for a in flat if isinstance(a, torch.Tensor))
    if isinstance(result, torch.Tensor):
        out_bytes = result.numel() * result.element_size()
        if out_bytes > max(MAX_GROWTH_BYTES, 4 * in_bytes):
            return None
    return result
