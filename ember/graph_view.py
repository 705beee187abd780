"""Pictures of a program for `ember inspect --html` and `--dot`.

html_page(program) is one self-contained HTML page (inline SVG, CSS and a few lines of JS;
nothing is fetched): per method, the graph of operators and the memory plan. dot_graph(program)
is the same graph as Graphviz DOT. Both read only runtime_py's Program (never torch).

The graph: a node per operator (its name, output dtype and shape, constant operands' shapes,
coloured by precision), the method's inputs and outputs as nodes of their own, an edge from
producer to consumer for every pair joined by arena tensors (constants are no nodes). The
layout is a layered DAG drawn top to bottom: layer = longest path from the inputs, edges
over several layers pass through placeholder points, the order within a layer comes from
barycenter sweeps (the sweep with the fewest crossings is kept), x positions follow the
producers. The memory plan: one rectangle per arena tensor, operator index (first write ..
last read) across, arena offset up; the live-bytes lower bound and the arena size as lines.
"""
from __future__ import annotations

import bisect
import html
from dataclasses import dataclass, field

from schema.ops import VIEW_OPS

PRECISIONS = ("float32", "int8", "int8-dynamic", "int8-weight", "convert")
COLOURS = {                       # fill, stroke
    "float32": ("#dbeafe", "#2563eb"),
    "int8": ("#dcfce7", "#15803d"),
    "int8-dynamic": ("#ede9fe", "#7c3aed"),
    "int8-weight": ("#fef3c7", "#b45309"),
    "convert": ("#fee2e2", "#dc2626"),
    "io": ("#f3f4f6", "#4b5563"),
}
CHAR_W, LINE_H, PAD = 6.6, 14, 8          # monospace 11px text
NODE_H, LAYER_GAP, NODE_GAP, DUMMY_W, MARGIN = 3 * LINE_H + 2 * PAD, 34, 22, 8, 20
SWEEPS = 4


# ---- the graph ---------------------------------------------------------------------------
@dataclass
class Node:
    """A node of the drawing: an input ("in0"), an operator ("op3"), an output ("out0") or a
    placeholder point of a long edge ("d7"); lines are its label, tip its hover text."""
    key: str
    kind: str
    lines: list = field(default_factory=list)
    tip: str = ""
    precision: str = "io"
    index: int = -1
    layer: int = 0
    x: float = 0.0
    width: float = DUMMY_W


@dataclass
class Graph:
    nodes: dict                  # key -> Node, inputs, operators, outputs in that order
    edges: list                  # (producer key, consumer key, [tensor indices])
    paths: dict = field(default_factory=dict)     # (producer, consumer) -> keys through placeholders
    layers: list = field(default_factory=list)    # per layer, node keys in drawing order


def dims(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def tensor_text(info) -> str:
    """`float32[batch,16,8,8]`"""
    return info["dtype"] + dims(info["shape"])


def fmt_bytes(n: int) -> str:
    if n < 10 * 1024:
        return f"{n:,} B"
    if n < 10 * 1024 * 1024:
        return f"{n:,} B ({n / 1024:.1f} KiB)"
    return f"{n:,} B ({n / 1024 / 1024:.1f} MiB)"


def operand_line(role, index, info) -> str:
    """One operand of a hover text: role, name, dtype and shape, where it lives."""
    if info is None:
        return f"{role} (absent)"
    where = f"arena @{info['offset']:,}" if info["storage"] == "arena" else "constant"
    return f"{role} {info['name']}: {tensor_text(info)} ({where}, {info['nbytes']:,} B, tensor {index})"


def op_node(op, info) -> Node:
    """The node of operator `op` (an OpInfo); info(i) is tensor i's tensor_info or None."""
    out = [info(i) for i in op.outputs]
    consts = [info(i) for i in op.inputs if i >= 0 and info(i)["storage"] == "constant"]
    lines = [f"#{op.index} {op.op}",
             tensor_text(out[0]) + (f" +{len(out) - 1}" if len(out) > 1 else "")]
    if consts:
        shown = " ".join(dims(c["shape"]) for c in consts[:3])
        lines.append("w " + shown + (f" +{len(consts) - 3}" if len(consts) > 3 else ""))
    tip = [f"operator {op.index}: {op.op} ({op.precision})", f"source: {op.source or '(none)'}"]
    tip += [operand_line("in ", i, info(i) if i >= 0 else None) for i in op.inputs]
    tip += [operand_line("out", i, o) for i, o in zip(op.outputs, out)]
    return Node(f"op{op.index}", "op", lines, "\n".join(tip), op.precision, op.index,
                width=max(120, CHAR_W * max(map(len, lines)) + 2 * PAD))


def io_node(kind, k, index, info) -> Node:
    lines = [f"{kind} {info['name']}", tensor_text(info)]
    tip = f"method {kind} {k}\n" + operand_line("", index, info).strip()
    return Node(f"{'in' if kind == 'input' else 'out'}{k}", kind, lines, tip, "io", k,
                width=max(90, CHAR_W * max(map(len, lines)) + 2 * PAD))


def method_graph(method) -> Graph:
    """Nodes and producer -> consumer edges of a method (an edge joins each pair once, with
    every arena tensor that passes between them)."""
    cache = {}

    def info(i):
        if i not in cache:
            cache[i] = method.tensor_info(i)
        return cache[i]
    nodes, producer, joined = {}, {}, {}
    for k, i in enumerate(method.input_indices):
        nodes[f"in{k}"] = io_node("input", k, i, info(i))
        producer[i] = f"in{k}"

    def consume(key, tensors):
        for i in tensors:
            if i >= 0 and i in producer and info(i)["storage"] == "arena":
                joined.setdefault((producer[i], key), []).append(i)
    for op in method.operator_table:
        node = op_node(op, info)
        nodes[node.key] = node
        consume(node.key, op.inputs)
        for i in op.outputs:
            producer[i] = node.key
    for k, i in enumerate(method.output_indices):
        nodes[f"out{k}"] = io_node("output", k, i, info(i))
        consume(f"out{k}", [i])
    return Graph(nodes, [(a, b, ts) for (a, b), ts in joined.items()])


# ---- layout ------------------------------------------------------------------------------
def assign_layers(graph):
    """Layer of every node: 0 without producers, else 1 + the deepest producer (the nodes are
    in run order, so producers come first); an operator without producers (a FULL) just above
    its first consumer; then a placeholder per layer an edge skips."""
    preds, succs = {}, {}
    for a, b, _ in graph.edges:
        preds.setdefault(b, []).append(a)
        succs.setdefault(a, []).append(b)
    for key, node in graph.nodes.items():
        node.layer = 1 + max(graph.nodes[p].layer for p in preds[key]) if key in preds else 0
    for key, node in reversed(graph.nodes.items()):
        if node.kind == "op" and key not in preds and key in succs:
            node.layer = min(graph.nodes[s].layer for s in succs[key]) - 1
    real = list(graph.nodes.values())
    for a, b, _ in graph.edges:
        path = [a]
        for layer in range(graph.nodes[a].layer + 1, graph.nodes[b].layer):
            dummy = Node(f"d{len(graph.nodes)}", "dummy", layer=layer)
            graph.nodes[dummy.key] = dummy
            path.append(dummy.key)
        graph.paths[(a, b)] = path + [b]
    graph.layers = [[] for _ in range(1 + max((n.layer for n in real), default=0))]
    for key, node in graph.nodes.items():
        graph.layers[node.layer].append(key)


def segments(graph):
    """(upper, lower) node keys of every edge piece between adjacent layers."""
    return [(p[j], p[j + 1]) for p in graph.paths.values() for j in range(len(p) - 1)]


def crossings(graph, pieces, pos) -> int:
    """Edge crossings between adjacent layers: per layer, pairs of pieces whose ends are in
    opposite orders (inversions, counted with a sorted list)."""
    by_layer = {}
    for a, b in pieces:
        by_layer.setdefault(graph.nodes[a].layer, []).append((pos[a], pos[b]))
    total = 0
    for pairs in by_layer.values():
        seen = []
        for _, lower in sorted(pairs):
            total += len(seen) - bisect.bisect_right(seen, lower)
            bisect.insort(seen, lower)
    return total


def sort_layer(keys, neighbours, pos):
    """Reorders one layer by the mean position of each node's neighbours in the layer next to
    it (nodes without any keep their place)."""
    def barycenter(k):
        ns = neighbours.get(k)
        return sum(pos[n] for n in ns) / len(ns) if ns else pos[k]
    keys.sort(key=barycenter)
    for j, k in enumerate(keys):
        pos[k] = j


def order_layers(graph, sweeps=SWEEPS):
    """A few down-and-up barycenter sweeps; keeps the order with the fewest crossings."""
    pieces = segments(graph)
    up, down = {}, {}
    for a, b in pieces:
        down.setdefault(a, []).append(b)
        up.setdefault(b, []).append(a)
    pos = {k: j for layer in graph.layers for j, k in enumerate(layer)}
    best, best_count = [list(layer) for layer in graph.layers], crossings(graph, pieces, pos)
    for _ in range(sweeps):
        if best_count == 0:
            break
        for layer in graph.layers[1:]:
            sort_layer(layer, up, pos)
        for layer in reversed(graph.layers[:-1]):
            sort_layer(layer, down, pos)
        count = crossings(graph, pieces, pos)
        if count < best_count:
            best, best_count = [list(layer) for layer in graph.layers], count
    graph.layers = best
    return up


def place(graph, up):
    """x of every node: each layer as near its producers as the nodes' widths allow (pushed
    apart left to right, then shifted back by the mean displacement), the whole from MARGIN."""
    nodes = graph.nodes
    for layer in graph.layers:
        wanted = [sum(nodes[p].x for p in up[k]) / len(up[k]) if k in up else None for k in layer]
        xs = []
        for j, k in enumerate(layer):
            gap = (nodes[layer[j - 1]].width + nodes[k].width) / 2 + NODE_GAP if j else 0
            x = wanted[j] if wanted[j] is not None else (xs[-1] + gap if xs else 0.0)
            xs.append(max(x, xs[-1] + gap) if xs else x)
        moved = [w - x for w, x in zip(wanted, xs) if w is not None]
        shift = sum(moved) / len(moved) if moved else 0.0
        for k, x in zip(layer, xs):
            nodes[k].x = x + shift
    left = min((n.x - n.width / 2 for n in nodes.values()), default=0.0)
    for n in nodes.values():
        n.x += MARGIN - left


def layout(graph) -> Graph:
    assign_layers(graph)
    place(graph, order_layers(graph))
    return graph


def layer_top(layer) -> float:
    return MARGIN + layer * (NODE_H + LAYER_GAP)


# ---- SVG of the graph --------------------------------------------------------------------
def esc(text) -> str:
    return html.escape(str(text), quote=True)


def edge_d(graph, path) -> str:
    """SVG path data: from the producer's bottom to the consumer's top, vertical through the
    placeholders' layers, a smooth curve across each gap."""
    nodes = graph.nodes
    points = [(nodes[path[0]].x, layer_top(nodes[path[0]].layer) + NODE_H)]
    for key in path[1:-1]:
        top = layer_top(nodes[key].layer)
        points += [(nodes[key].x, top), (nodes[key].x, top + NODE_H)]
    points.append((nodes[path[-1]].x, layer_top(nodes[path[-1]].layer) - 2))
    d = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for j, (x, y) in enumerate(points[1:], 1):
        x0, y0 = points[j - 1]
        if j % 2 == 0 and j < len(points) - 1:      # down through a placeholder's layer
            d.append(f"L{x:.1f},{y:.1f}")
        else:
            mid = (y0 + y) / 2
            d.append(f"C{x0:.1f},{mid:.1f} {x:.1f},{mid:.1f} {x:.1f},{y:.1f}")
    return " ".join(d)


def edge_svg(graph, edge, info, marker) -> str:
    a, b, tensors = edge
    tip = "\n".join(operand_line("", i, info(i)).strip() for i in tensors)
    return (f'<path class="edge" data-from="{a}" data-to="{b}" d="{edge_d(graph, graph.paths[(a, b)])}" '
            f'marker-end="url(#{marker})"><title>{esc(tip)}</title></path>')


def node_svg(node) -> str:
    fill, stroke = COLOURS[node.precision]
    left, top = node.x - node.width / 2, layer_top(node.layer)
    if node.kind == "op":
        attrs = f'class="op" data-op="{node.index}" data-precision="{node.precision}"'
    else:
        attrs = f'class="io" data-{node.kind}="{node.index}"'
    text = "".join(f'<text x="{node.x:.1f}" y="{top + PAD + LINE_H * (j + 1) - 3:.1f}" class="line{j}">'
                   f'{esc(line)}</text>' for j, line in enumerate(node.lines))
    rx = 18 if node.kind != "op" else 4
    return (f'<g {attrs} data-key="{node.key}"><title>{esc(node.tip)}</title>'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{node.width:.1f}" height="{NODE_H}" rx="{rx}" '
            f'fill="{fill}" stroke="{stroke}"/>{text}</g>')


def graph_svg(method, number=0) -> str:
    """The operator graph of a method as an <svg> element (`number` keeps the ids of several
    methods on one page apart)."""
    graph = layout(method_graph(method))
    width = max((n.x + n.width / 2 for n in graph.nodes.values()), default=0) + MARGIN
    height = layer_top(len(graph.layers)) - LAYER_GAP + MARGIN
    marker = f"arrow{number}"
    parts = [f'<svg class="graph" data-method="{esc(method.name)}" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.0f} {height:.0f}">',
             f'<defs><marker id="{marker}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#6b7280"/></marker></defs>']
    parts += [edge_svg(graph, e, method.tensor_info, marker) for e in graph.edges]
    parts += [node_svg(n) for n in graph.nodes.values() if n.kind != "dummy"]
    return "\n".join(parts + ["</svg>"])


# ---- the memory plan ---------------------------------------------------------------------
PLOT_H, PLOT_LEFT, PLOT_TOP, AXIS_H = 360, 150, 28, 46


def lifetimes(method) -> dict:
    """Arena tensor -> [first write, last read] in operator indices: -1 for a method input
    (bound before operator 0), len(operators) for a method output (read after the last)."""
    span = {}

    def touch(i, step):
        if i >= 0 and method.tensor_info(i)["storage"] == "arena":
            lo, hi = span.get(i, (step, step))
            span[i] = [min(lo, step), max(hi, step)]
    for i in method.input_indices:
        touch(i, -1)
    table = method.operator_table
    for op in table:
        for i in list(op.inputs) + list(op.outputs):
            touch(i, op.index)
    for i in method.output_indices:
        touch(i, len(table))
    return span


def views(method) -> dict:
    """Arena tensor -> the tensor whose bytes it shares: the output of a view operator
    (schema.ops.VIEW_OPS: RESHAPE) is its input, as the memory planner aliases them."""
    out = {}
    for op in method.operator_table:
        if op.op in VIEW_OPS and method.tensor_info(op.inputs[0])["storage"] == "arena":
            out[op.outputs[0]] = out.get(op.inputs[0], op.inputs[0])
    return out


def producer_precision(method) -> dict:
    """Arena tensor -> the precision of the operator that writes it first ("io" for inputs)."""
    out = {i: "io" for i in method.input_indices}
    for op in method.operator_table:
        for o in op.outputs:
            out.setdefault(o, op.precision)
    return out


class Plot:
    """The memory plan's axes: operator step -> x (one column per step, -1 .. n), byte -> y
    (offset 0 at the bottom)."""

    def __init__(self, steps, top_bytes):
        self.steps, self.top_bytes = steps, max(top_bytes, 1)
        self.column = max(4.0, min(72.0, 900.0 / (steps + 2)))
        self.width = self.column * (steps + 2)

    def x(self, step) -> float:
        return PLOT_LEFT + (step + 1) * self.column

    def y(self, nbytes) -> float:
        return PLOT_TOP + PLOT_H * (1 - nbytes / self.top_bytes)


def tensor_rect(plot, i, info, span, view_of, precision) -> str:
    fill, stroke = COLOURS[precision]
    x0, x1 = plot.x(span[0]), plot.x(span[1] + 1)
    y0 = plot.y(info["offset"] + info["nbytes"])
    height = max(1.0, plot.y(info["offset"]) - y0)
    tip = (f"{info['name']}: {tensor_text(info)} (tensor {i})\n{info['nbytes']:,} bytes at offset {info['offset']:,}"
           f"..{info['offset'] + info['nbytes']:,}\nlive from operator {span[0]} to {span[1]}"
           + (f"\na view of tensor {view_of} (shares its bytes)" if view_of is not None else ""))
    style = (f'fill="none" stroke="{stroke}" stroke-dasharray="4 3" data-view="{view_of}"' if view_of is not None
             else f'fill="{fill}" stroke="{stroke}" fill-opacity="0.85"')
    fits = view_of is None and height >= LINE_H + 2 and x1 - x0 >= CHAR_W * len(info["name"]) + 6
    label = (f'<text x="{x0 + 3:.1f}" y="{y0 + LINE_H - 2:.1f}" class="name">{esc(info["name"])}</text>'
             if fits else "")
    return (f'<rect class="tensor" data-tensor="{i}" data-offset="{info["offset"]}" data-bytes="{info["nbytes"]}" '
            f'x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{height:.1f}" {style}>'
            f'<title>{esc(tip)}</title></rect>{label}')


def level_line(plot, nbytes, label, colour, dash, below) -> str:
    y = plot.y(nbytes)
    ty = y + 13 if below else y - 4
    return (f'<line x1="{PLOT_LEFT}" x2="{PLOT_LEFT + plot.width:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" '
            f'stroke-width="1.5" stroke-dasharray="{dash}"/><text x="{PLOT_LEFT + plot.width - 4:.1f}" '
            f'y="{ty:.1f}" text-anchor="end" fill="{colour}">{esc(label)}</text>')


def axes_svg(plot, steps) -> str:
    """Byte ticks on the left (quarters of the arena), operator ticks below (every k-th)."""
    parts, bottom = [], PLOT_TOP + PLOT_H
    for q in range(5):
        n = plot.top_bytes * q // 4
        y = plot.y(n)
        parts.append(f'<line x1="{PLOT_LEFT - 4}" x2="{PLOT_LEFT + plot.width:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e5e7eb"/><text x="{PLOT_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{n:,}</text>')
    every = max(1, round(36 / plot.column))
    for step in range(-1, steps + 1):
        if step in (-1, steps) or step % every == 0:
            label = "in" if step == -1 else "out" if step == steps else str(step)
            x = plot.x(step) + plot.column / 2
            parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{PLOT_LEFT + plot.width / 2:.1f}" y="{bottom + 36}" text-anchor="middle" '
                 f'class="axis">operator index (first write .. last read)</text>'
                 f'<text x="14" y="{PLOT_TOP + PLOT_H / 2:.1f}" class="axis" text-anchor="middle" '
                 f'transform="rotate(-90 14 {PLOT_TOP + PLOT_H / 2:.1f})">arena offset (bytes)</text>'
                 f'<rect x="{PLOT_LEFT}" y="{PLOT_TOP}" width="{plot.width:.1f}" height="{PLOT_H}" fill="none" '
                 f'stroke="#9ca3af"/>')
    return "".join(parts)


def memory_svg(method) -> str:
    """The memory plan of a method as an <svg> element."""
    steps, spans = len(method.operator_table), lifetimes(method)
    infos = {i: method.tensor_info(i) for i in range(len(method.tensors))}
    arena = [i for i, t in infos.items() if t["storage"] == "arena"]
    top = max([method.arena_size] + [infos[i]["offset"] + infos[i]["nbytes"] for i in arena])
    plot, view_of, precision = Plot(steps, top), views(method), producer_precision(method)
    parts = [f'<svg class="memory" data-method="{esc(method.name)}" width="{PLOT_LEFT + plot.width + MARGIN:.0f}" '
             f'height="{PLOT_TOP + PLOT_H + AXIS_H:.0f}">', axes_svg(plot, steps)]
    parts += [tensor_rect(plot, i, infos[i], spans.get(i, [-1, -1]), view_of.get(i), precision.get(i, "io"))
              for i in sorted(arena, key=lambda i: i in view_of)]
    lb = method.live_bytes_lower_bound
    parts.append(level_line(plot, method.arena_size, f"arena {method.arena_size:,} B", "#111827", "none", False))
    parts.append(level_line(plot, lb, f"live-bytes lower bound {lb:,} B", "#dc2626", "6 4", True))
    return "".join(parts) + "</svg>"


# ---- the page ----------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px 24px; color: #111827; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; color: #374151; }
p { margin: 4px 0; font-size: 13px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; margin: 6px 0; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 14px; height: 14px; border: 1.5px solid; border-radius: 3px; }
.scroll { overflow: auto; border: 1px solid #e5e7eb; border-radius: 6px; background: #fff; }
.graph-box { max-height: 80vh; }
svg text { font: 11px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; fill: #111827; }
svg.graph text { text-anchor: middle; } svg text.line0 { font-weight: bold; } svg text.axis { font-size: 12px; }
svg text.name { pointer-events: none; fill: #374151; }
.edge { fill: none; stroke: #9ca3af; stroke-width: 1.2; }
.edge.hi { stroke: #ea580c; stroke-width: 2.5; }
.op:hover rect, .io:hover rect, rect.tensor:hover { stroke-width: 2.5; }
#tip { position: fixed; display: none; pointer-events: none; background: #111827; color: #f9fafb;
       font: 11px ui-monospace, monospace; white-space: pre; padding: 6px 8px; border-radius: 4px;
       max-width: 90vw; overflow: hidden; z-index: 10; }
"""

# Hover: each <title> becomes the element's data-tip, shown at once in #tip; hovering a
# node also highlights its edges. Without scripts the <title>s remain the browser's tooltips.
SCRIPT = """
(function () {
  var tip = document.getElementById("tip");
  document.querySelectorAll("svg title").forEach(function (t) {
    t.parentNode.setAttribute("data-tip", t.textContent);
    t.parentNode.removeChild(t);
  });
  function mark(node, on) {
    var svg = node.ownerSVGElement, key = node.getAttribute("data-key");
    svg.querySelectorAll('.edge[data-from="' + key + '"], .edge[data-to="' + key + '"]')
      .forEach(function (e) { e.classList.toggle("hi", on); });
  }
  document.addEventListener("mouseover", function (e) {
    var el = e.target.closest && e.target.closest("[data-tip]");
    if (!el) return;
    tip.textContent = el.getAttribute("data-tip");
    tip.style.display = "block";
    if (el.hasAttribute("data-key")) mark(el, true);
  });
  document.addEventListener("mouseout", function (e) {
    var el = e.target.closest && e.target.closest("[data-tip]");
    if (!el) return;
    tip.style.display = "none";
    if (el.hasAttribute("data-key")) mark(el, false);
  });
  document.addEventListener("mousemove", function (e) {
    tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 4) + "px";
  });
})();
"""


def legend_html(method) -> str:
    """The colours, with how many operators of each precision the method has."""
    counts = {}
    for p in method.precisions:
        counts[p] = counts.get(p, 0) + 1
    names = {"convert": "convert (QUANTIZE / DEQUANTIZE)"}
    items = [(p, f"{names.get(p, p)}: {counts.get(p, 0)}") for p in PRECISIONS]
    items.append(("io", "method input / output"))
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{COLOURS[p][0]};border-color:{COLOURS[p][1]}"></i>{esc(text)}</span>'
        for p, text in items) + "</div>"


def method_html(method, number) -> str:
    n, lb = len(method.operator_table), method.live_bytes_lower_bound
    ratio = f"{method.arena_size / lb:.3f}x" if lb else "n/a"
    arena = [i for i in range(len(method.tensors)) if method.tensor_info(i)["storage"] == "arena"]
    sizes = "; ".join(f"size {s}: {lo}..{hi}" for s, lo, hi in method.symbols)
    io = "; ".join(f"{kind} {d['name']}: {d['dtype']}{dims(d['shape'])}"
                   for kind, ds in (("input", method.inputs), ("output", method.outputs)) for d in ds)
    return (f'<section class="method" id="method-{esc(method.name)}"><h2>method \'{esc(method.name)}\'</h2>'
            f"<p>{n} operators; {esc(io)}" + (f"; {esc(sizes)} (memory planned at the maxima)" if sizes else "")
            + "</p><h3>Operators</h3>" + legend_html(method)
            + "<p>Hover a node for its source line and operands; edges are arena tensors, constants "
              "are listed in their operator (w [shape]).</p>"
            + f'<div class="scroll graph-box">{graph_svg(method, number)}</div>'
            + f"<h3>Memory plan</h3><p>arena {fmt_bytes(method.arena_size)}; live-bytes lower bound "
              f"{fmt_bytes(lb)}; ratio {ratio}; {len(arena)} arena tensors "
              f"(of which views of another's bytes, dashed: {len(views(method))})</p>"
            + f'<div class="scroll">{memory_svg(method)}</div></section>')


def html_page(program, title="program") -> str:
    """One self-contained HTML page: for every method, its operator graph and memory plan."""
    n = sum(len(m.operator_table) for m in program.methods.values())
    head = (f"<h1>{esc(title)}</h1><p>Ember program v{program.version[0]}.{program.version[1]}, "
            f"{program.file_size:,} bytes; {len(program.methods)} method(s), {n} operators</p>")
    body = "\n".join(method_html(m, k) for k, m in enumerate(program.methods.values()))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n{head}\n{body}\n<div id=\"tip\"></div>"
            f"<script>{SCRIPT}</script>\n</body></html>\n")


# ---- DOT ---------------------------------------------------------------------------------
def dot_string(text) -> str:
    """A DOT double-quoted string; newlines become DOT's \\n line breaks."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot_method(method, number) -> list:
    graph = method_graph(method)
    lines = [f"  subgraph cluster_{number} {{", f"    label={dot_string('method ' + method.name)};"]
    for node in graph.nodes.values():
        fill, stroke = COLOURS[node.precision]
        shape = "box" if node.kind == "op" else "ellipse"
        lines.append(f"    {dot_string(f'{number}/{node.key}')} [label={dot_string(chr(10).join(node.lines))}, "
                     f"shape={shape}, fillcolor={dot_string(fill)}, color={dot_string(stroke)}, "
                     f"tooltip={dot_string(node.tip)}];")
    for a, b, tensors in graph.edges:
        names = ", ".join(method.tensor_info(i)["name"] for i in tensors)
        lines.append(f"    {dot_string(f'{number}/{a}')} -> {dot_string(f'{number}/{b}')} "
                     f"[tooltip={dot_string(names)}];")
    return lines + ["  }"]


def dot_graph(program, title="program") -> str:
    """The operator graphs of every method as one Graphviz digraph (a cluster per method)."""
    lines = [f"digraph {dot_string(title)} {{", "  rankdir=TB;",
             '  node [style="rounded,filled", fontname="monospace", fontsize=10];',
             '  edge [color="#6b7280"];']
    for k, m in enumerate(program.methods.values()):
        lines += dot_method(m, k)
    return "\n".join(lines + ["}"]) + "\n"
