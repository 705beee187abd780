"""Memory planner: tensor lifetimes -> arena offsets.

Every non-constant tensor gets a byte offset in one arena sized for the
symbols' maxima. A RESHAPE output aliases its input (same storage, no copy), so
a storage group is a tensor plus all its views, live from the first write of
any member to the last read of any member. Graph inputs are live from the
start; graph outputs until the end.

Placement tries a few orderings (largest first, longest lived first, execution
order, largest size x lifetime first, by last use, largest and latest first); each
puts a group in the tightest gap between already placed groups whose lifetimes
intersect its own. The smallest arena wins. `check_plan` verifies the result
independently, and the lower bound (the most bytes simultaneously live) is recorded
for reports.
"""
from __future__ import annotations

from dataclasses import dataclass


from schema import ARENA_ALIGNMENT
from schema.ops import VIEW_OPS


class PlanError(Exception):
    pass


@dataclass
class Group:
    root: str
    members: list
    size: int
    first: int
    last: int
    offset: int = -1


def _align(n: int, a: int = ARENA_ALIGNMENT) -> int:
    return (n + a - 1) // a * a


def storage_groups(graph) -> list:
    root = {}
    for node in graph.nodes:
        if node.op in VIEW_OPS:
            src = node.inputs[0]
            root[node.outputs[0]] = root.get(src, src)
    members = {}
    for name, t in graph.tensors.items():
        if t.in_arena:
            members.setdefault(root.get(name, name), []).append(name)
    end = len(graph.nodes)
    first = {n: -1 for n in graph.inputs}
    last = {n: end for n in graph.outputs}
    for i, node in enumerate(graph.nodes):
        for o in node.outputs:
            first.setdefault(o, i)
        for n in node.inputs:
            if n is not None:
                last[n] = max(last.get(n, i), i)
    groups = []
    for r, names in members.items():
        starts = [first[n] for n in names if n in first]
        ends = [last.get(n, first.get(n, 0)) for n in names]
        if not starts:
            continue          # never written: unreachable tensor
        size = max(graph.max_nbytes(n) for n in names)
        groups.append(Group(r, names, _align(max(size, 1)), min(starts), max(ends)))
    return groups


def lower_bound(groups) -> int:
    events = {}
    for g in groups:
        events[g.first] = events.get(g.first, 0) + g.size
        events[g.last + 1] = events.get(g.last + 1, 0) - g.size
    live = best = 0
    for t in sorted(events):
        live += events[t]
        best = max(best, live)
    return best


def _overlaps(a: Group, b: Group) -> bool:
    return a.first <= b.last and b.first <= a.last


def _place_in_order(groups, order) -> int:
    """Place groups in `order`, each in the tightest gap (best fit) among the groups
    already placed that are live at the same time; returns the arena size."""
    placed = []
    for g in order:
        busy = sorted((p.offset, p.offset + p.size) for p in placed if _overlaps(p, g))
        best, best_gap, cursor = None, None, 0
        for lo, hi in busy:
            if lo - cursor >= g.size and (best_gap is None or lo - cursor < best_gap):
                best, best_gap = cursor, lo - cursor
            cursor = max(cursor, hi)
        g.offset = cursor if best is None else best
        placed.append(g)
    return max((g.offset + g.size for g in groups), default=0)


_ORDERS = [
    lambda g: (-g.size, g.first, g.root),                       # greedy by size
    lambda g: (-(g.last - g.first), -g.size, g.root),           # longest lived first
    lambda g: (g.first, -g.size, g.root),                       # in execution order
    lambda g: (-g.size * (g.last - g.first + 1), g.root),       # largest area first
    lambda g: (g.last, -g.size, g.root),                        # by last use (first freed, first placed)
    lambda g: (-g.size, -g.first, g.root),                      # largest first, the later ones first
]


def place(groups) -> int:
    """Try each ordering heuristic and keep the smallest arena."""
    best_size, best_offsets = None, None
    for key in _ORDERS:
        size = _place_in_order(groups, sorted(groups, key=key))
        if best_size is None or size < best_size:
            best_size, best_offsets = size, [g.offset for g in groups]
    for g, off in zip(groups, best_offsets):
        g.offset = off
    return best_size or 0


def check_plan(groups) -> None:
    """Raise PlanError if two simultaneously live groups share bytes."""
    order = sorted(groups, key=lambda g: g.offset)
    for i, a in enumerate(order):
        if a.offset % ARENA_ALIGNMENT:
            raise PlanError(f"tensor {a.root}: offset {a.offset} not aligned")
        for b in order[i + 1:]:
            if b.offset >= a.offset + a.size:
                break
            if _overlaps(a, b):
                raise PlanError(f"tensors {a.root} and {b.root} overlap in the arena "
                                f"[{a.offset}, {a.offset + a.size}) and [{b.offset}, {b.offset + b.size}) "
                                f"while both live")


def plan(graph):
    """Where every tensor lives: the arena offset of each non-constant tensor (and the
    arena's size). Only assigns offsets: the graph's operators are left as they are."""
    groups = storage_groups(graph)
    graph.arena_size = place(groups)
    check_plan(groups)
    graph.live_bytes_lower_bound = lower_bound(groups)
    for g in groups:
        for name in g.members:
            graph.tensors[name].offset = g.offset
    for name, t in graph.tensors.items():
        if t.in_arena and t.offset < 0:
            raise PlanError(f"tensor {name} was never written")
    return graph
