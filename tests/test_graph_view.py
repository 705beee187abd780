"""`ember inspect --html/--dot` (ember/graph_view.py): the operator graph and the memory plan of
a program as one self-contained HTML page, and the graph as Graphviz DOT.

The page is checked as text (one node per operator, one edge per producer -> consumer pair,
colours by precision, one rectangle per arena tensor at its offset, nothing fetched), then in
a real headless Chromium: the DOM after the page's script ran, and a screenshot that is not
blank. EMBER_UPDATE_SCREENSHOTS=1 also saves that screenshot as docs/images/inspect_digits.png.
"""
import html
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

import runtime_py
from ember import graph_view
from runtime_py.program import OpInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "demo", "out")
DOCS_IMAGE = os.path.join(ROOT, "docs", "images", "inspect_digits.png")
DOCS_WINDOW = (1000, 1700)        # the int8 digits page, graph and memory plan
TEST_WINDOW = (1400, 2000)


def _digits(kind):
    """The demo's program (`make demo`), else the zoo CNN exported here."""
    path = os.path.join(DEMO, "digits_int8.ember" if kind == "int8" else "digits.ember")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    from zoo_models import exported, exported_int8
    return (exported_int8 if kind == "int8" else exported)("cnn")[2]


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """{"float": ..., "int8": ...}: (path, Program) of the two digits programs."""
    d = tmp_path_factory.mktemp("graph_view")
    out = {}
    for kind in ("float", "int8"):
        path = d / f"digits_{kind}.ember"
        path.write_bytes(_digits(kind))
        out[kind] = (str(path), runtime_py.load(str(path)))
    return out


@pytest.fixture(scope="module")
def dynamic_program():
    """A small two-branch model with a dynamic batch: symbolic shapes, a residual join."""
    import torch
    from exporter import export_module
    from exporter.options import DynamicDim

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = torch.nn.Linear(8, 16), torch.nn.Linear(8, 16), torch.nn.Linear(16, 8)

        def forward(self, x):
            h = torch.relu(self.a(x)) * torch.sigmoid(self.b(x))
            return self.c(h) + x

    torch.manual_seed(0)
    data = export_module(Net().eval(), (torch.randn(3, 8),), dynamic=[DynamicDim("batch", 0, 8)])
    return runtime_py.load(data)


# ---- reading the page back -------------------------------------------------------------------
class Elements(HTMLParser):
    """Every start tag as (tag, attrs), and the lines (<text>) of each operator node."""

    def __init__(self, page):
        super().__init__()
        self.tags, self.op_text, self._op, self._tag = [], {}, None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._tag = tag
        if tag == "g" and attrs.get("class") == "op":
            self._op = int(attrs["data-op"])
            self.op_text[self._op] = []

    def handle_endtag(self, tag):
        if tag == "g":
            self._op = None

    def handle_data(self, data):
        if self._op is not None and self._tag == "text":
            self.op_text[self._op].append(data)

    def find(self, tag, cls):
        return [a for t, a in self.tags if t == tag and a.get("class") == cls]


def op_rect_fills(page):
    """data-op -> the fill of its node's rectangle."""
    return {int(k): fill for k, fill in
            re.findall(r'<g class="op" data-op="(\d+)"[^>]*>.*?<rect [^>]*fill="([^"]+)"', page, re.S)}


def expected_edges(method):
    """(producer, consumer) pairs joined by arena tensors, as data-from/data-to keys."""
    producer = {i: f"in{k}" for k, i in enumerate(method._inputs)}
    pairs = set()
    for op in method.operator_table:
        for i in op.inputs:
            if i >= 0 and i in producer and method.tensor_info(i)["storage"] == "arena":
                pairs.add((producer[i], f"op{op.index}"))
        for o in op.outputs:
            producer[o] = f"op{op.index}"
    pairs |= {(producer[i], f"out{k}") for k, i in enumerate(method._outputs) if i in producer}
    return pairs


def arena_tensors(method):
    return {i: method.tensor_info(i) for i in range(len(method.tensors))
            if method.tensor_info(i)["storage"] == "arena"}


# ---- the graph ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["float", "int8"])
def test_one_node_per_operator_one_edge_per_pair(programs, kind):
    path, program = programs[kind]
    method = program.methods["forward"]
    page = graph_view.html_page(program, os.path.basename(path))
    doc = Elements(page)
    ops = doc.find("g", "op")
    table = method.operator_table
    assert [int(a["data-op"]) for a in ops] == [op.index for op in table] == list(range(len(table)))
    assert page.count('class="op"') == len(table)
    for op in table:
        assert doc.op_text[op.index][0] == f"#{op.index} {op.op}"
        assert f"operator {op.index}: {op.op} ({op.precision})" in page
    assert [a["data-precision"] for a in ops] == method.precisions
    edges = {(a["data-from"], a["data-to"]) for a in doc.find("path", "edge")}
    assert len(doc.find("path", "edge")) == len(edges) == len(expected_edges(method))
    assert edges == expected_edges(method)
    inputs, outputs = ([a for _, a in doc.tags if f"data-{k}" in a and a.get("class") == "io"]
                       for k in ("input", "output"))
    assert (len(inputs), len(outputs)) == (len(method.inputs), len(method.outputs))


def test_self_contained(programs):
    page = graph_view.html_page(programs["int8"][1], "digits_int8.ember")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\((?!#)", page)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_precisions_are_coloured_apart(programs):
    float_method = programs["float"][1].methods["forward"]
    int8_method = programs["int8"][1].methods["forward"]
    fills = op_rect_fills(graph_view.html_page(programs["int8"][1]))
    by_precision = {}
    for op in int8_method.operator_table:
        by_precision.setdefault(op.precision, set()).add(fills[op.index])
    assert {"int8", "convert"} <= set(by_precision), by_precision
    assert all(len(f) == 1 for f in by_precision.values()), by_precision
    float_fills = set(op_rect_fills(graph_view.html_page(programs["float"][1])).values())
    assert set(float_method.precisions) == {"float32"} and len(float_fills) == 1
    colours = [by_precision["int8"], by_precision["convert"], float_fills]
    assert len(set.union(*colours)) == 3, colours
    legend = graph_view.legend_html(int8_method)
    assert all(graph_view.COLOURS[p][0] in legend for p in graph_view.PRECISIONS)


def test_hover_text_has_source_operands_and_index(programs):
    method = programs["int8"][1].methods["forward"]
    page = graph_view.html_page(programs["int8"][1])
    titles = re.findall(r'<g class="op" data-op="(\d+)"[^>]*><title>([^<]*)</title>', page)
    assert len(titles) == len(method.operator_table)
    for k, title in titles:
        op = method.operator_table[int(k)]
        assert title.startswith(f"operator {k}: {op.op}")
        assert html.escape(f"source: {op.source or '(none)'}") in title
        for i in [i for i in op.inputs if i >= 0] + op.outputs:
            info = method.tensor_info(i)
            assert html.escape(f"{info['name']}: {info['dtype']}[{','.join(map(str, info['shape']))}]") in title


def test_symbolic_shapes_and_a_branching_layout(dynamic_program):
    method = dynamic_program.methods["forward"]
    page = graph_view.html_page(dynamic_program)
    doc = Elements(page)
    assert any("[batch," in " ".join(t) for t in doc.op_text.values())
    assert "size batch: 1..8" in page
    rects = {}                    # node key -> (x, y, width, height)
    for key, x, y, w, h in re.findall(r'data-key="(\w+)"><title>[^<]*</title><rect x="([\d.-]+)" '
                                      r'y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"', page):
        rects[key] = tuple(map(float, (x, y, w, h)))
    assert len(rects) == len(method.operator_table) + len(method.inputs) + len(method.outputs)
    for a, b in expected_edges(method):
        assert rects[b][1] > rects[a][1] + rects[a][3], (a, b)      # every edge points down
    boxes = list(rects.values())
    for j, (x, y, w, h) in enumerate(boxes):                        # no two nodes overlap
        for x2, y2, w2, h2 in boxes[j + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def _fake_transformer(layers):
    """A method-like object: `layers` pre-norm blocks of 20 operators with residual adds
    (what graph_view reads: operator_table, tensor_info, inputs and outputs)."""
    ops, infos, x = [], [], 0
    infos.append({"name": "x", "dtype": "float32", "shape": ["seq", 64], "max_shape": [128, 64],
                  "storage": "arena", "offset": 0, "nbytes": 32768})

    def tensor(storage="arena"):
        infos.append({"name": f"t{len(infos)}", "dtype": "float32", "shape": ["seq", 64], "max_shape": [128, 64],
                      "storage": storage, "offset": 32768 * (len(infos) % 3), "nbytes": 32768})
        return len(infos) - 1

    def op(name, *ins):
        out = tensor()
        ops.append(OpInfo(len(ops), name, list(ins), [out], "model.py:1: x", "float32"))
        return out
    for _ in range(layers):
        h = op("LAYER_NORM", x, tensor("constant"))
        q, k, v = (op("FULLY_CONNECTED", h, tensor("constant")) for _ in range(3))
        a = op("SOFTMAX", op("BATCH_MATMUL", op("RESHAPE", q), op("PERMUTE", op("RESHAPE", k))))
        a = op("FULLY_CONNECTED", op("RESHAPE", op("BATCH_MATMUL", a, op("RESHAPE", v))), tensor("constant"))
        x = op("ADD", x, a)
        m = op("GELU", op("FULLY_CONNECTED", op("LAYER_NORM", x, tensor("constant")), tensor("constant")))
        x = op("ADD", x, op("FULLY_CONNECTED", m, tensor("constant")))
    return SimpleNamespace(name="forward", operator_table=ops, tensor_info=lambda i: infos[i], input_indices=[0],
                           output_indices=[x], tensors=infos, arena_size=98304, live_bytes_lower_bound=98304,
                           symbols=[("seq", 1, 128)], precisions=["float32"] * len(ops),
                           inputs=[infos[0]], outputs=[infos[x]])


def test_three_hundred_operators_lay_out_quickly():
    method = _fake_transformer(16)
    program = SimpleNamespace(methods={"forward": method}, version=(2, 4), file_size=1)
    start = time.perf_counter()
    page = graph_view.html_page(program)
    assert time.perf_counter() - start < 10
    assert page.count('class="op"') == len(method.operator_table) >= 300
    graph = graph_view.layout(graph_view.method_graph(method))
    for layer in graph.layers:                                      # nodes of a layer do not overlap
        nodes = [graph.nodes[k] for k in layer]
        for a, b in zip(nodes, nodes[1:]):
            assert a.x + a.width / 2 <= b.x - b.width / 2
    assert max(len(layer) for layer in graph.layers) <= 8          # long residual edges stay narrow


# ---- the memory plan ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["float", "int8"])
def test_memory_plan_one_rectangle_per_arena_tensor(programs, kind):
    method = programs[kind][1].methods["forward"]
    page = graph_view.html_page(programs[kind][1])
    rects = Elements(page).find("rect", "tensor")
    arena = arena_tensors(method)
    assert sorted(int(r["data-tensor"]) for r in rects) == sorted(arena)
    top = max(method.arena_size, max(t["offset"] + t["nbytes"] for t in arena.values()))
    bottom = graph_view.PLOT_TOP + graph_view.PLOT_H
    for r in rects:
        info = arena[int(r["data-tensor"])]
        assert (int(r["data-offset"]), int(r["data-bytes"])) == (info["offset"], info["nbytes"])
        y0 = bottom - (float(r["y"]) + float(r["height"]))              # the rectangle's base, from 0
        assert y0 == pytest.approx(graph_view.PLOT_H * info["offset"] / top, abs=1.0)
    views = [r for r in rects if "data-view" in r]
    assert len(views) == sum(op.op == "RESHAPE" for op in method.operator_table) >= 1
    lb = method.live_bytes_lower_bound
    assert f"live-bytes lower bound {lb:,} B" in page and f"arena {method.arena_size:,} B" in page
    assert f"ratio {method.arena_size / lb:.3f}x" in page


# ---- DOT ---------------------------------------------------------------------------------------
def test_dot_is_structurally_sound(programs):
    program = programs["int8"][1]
    method = program.methods["forward"]
    dot = graph_view.dot_graph(program, 'digits "int8"')
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)                   # quoted strings out of the way
    assert bare.count("{") == bare.count("}") == 2 and bare.lstrip().startswith("digraph")
    depth = 0
    for c in bare:
        depth += {"{": 1, "}": -1}.get(c, 0)
        assert depth >= 0
    nodes = re.findall(r'^\s*"0/op(\d+)" \[label="#\d+ ([A-Z0-9_]+)', dot, re.M)
    assert [(int(k), name) for k, name in nodes] == [(op.index, op.op) for op in method.operator_table]
    edges = set(re.findall(r'^\s*"0/(\w+)" -> "0/(\w+)"', dot, re.M))
    assert len(re.findall(r"->", bare)) == len(edges) == len(expected_edges(method))
    assert edges == expected_edges(method)
    assert f'fillcolor="{graph_view.COLOURS["int8"][0]}"' in dot and 'digraph "digits \\"int8\\""' in dot


# ---- the command -------------------------------------------------------------------------------
def ember(*args, cwd):
    path = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), ROOT]))
    r = subprocess.run([sys.executable, "-m", "ember.cli", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd, env={**os.environ, "PYTHONPATH": path}, timeout=300)
    return r.returncode, r.stdout, r.stderr


def test_cli_writes_html_and_dot(programs, tmp_path):
    path, program = programs["int8"]
    n = len(program.methods["forward"].operator_table)
    rc, plain, err = ember("inspect", path, cwd=tmp_path)
    assert rc == 0, err
    rc, out, err = ember("inspect", path, "--html", "g.html", "--dot", "g.dot", cwd=tmp_path)
    assert rc == 0, err
    assert out == plain + f"wrote g.html ({n} operators)\nwrote g.dot ({n} operators)\n"
    page = (tmp_path / "g.html").read_text()
    assert page == graph_view.html_page(program, os.path.basename(path))
    assert (tmp_path / "g.dot").read_text() == graph_view.dot_graph(program, os.path.basename(path))
    assert sorted(os.listdir(tmp_path)) == ["g.dot", "g.html"]


@pytest.mark.parametrize("args, message", [
    (["missing.ember", "--html", "g.html"], "missing.ember"),
    (["PROGRAM", "--html", "no/such/folder/g.html"], "cannot write 'no/such/folder/g.html'"),
    (["PROGRAM", "--dot", "."], "cannot write '.'"),
])
def test_cli_errors_are_one_line(programs, tmp_path, args, message):
    args = [programs["float"][0] if a == "PROGRAM" else a for a in args]
    rc, _, err = ember("inspect", *args, cwd=tmp_path)
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("ember: error: ") and message in err, err
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


# ---- a real browser ------------------------------------------------------------------------------
def chromium():
    exe = shutil.which("chromium")
    if exe is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail("chromium is missing under CI: `make apt` installs the Debian package chromium")
        pytest.skip("chromium is not installed (Debian package chromium; `make apt` installs it)")
    return exe


def browse(page_path, tmp_path, *args):
    argv = [chromium(), "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={tmp_path / 'profile'}",
            *args, f"file://{page_path}"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def png_pixels(path):
    """(width, height, the decompressed scanlines) of a PNG: its chunks, checked by CRC."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {2: 3, 6: 4, 0: 1, 4: 2}[colour]
    raw = zlib.decompress(chunks[b"IDAT"])
    assert depth == 8 and len(raw) == height * (1 + width * channels)
    return width, height, raw


def test_chromium_runs_the_page_and_draws_it(programs, tmp_path):
    path, program = programs["int8"]
    method = program.methods["forward"]
    page_path = tmp_path / "digits.html"
    page_path.write_text(graph_view.html_page(program, "digits_int8.ember"))
    dom = browse(page_path, tmp_path, "--dump-dom")
    doc = Elements(dom)
    ops = doc.find("g", "op")
    assert [int(a["data-op"]) for a in ops] == list(range(len(method.operator_table)))
    assert all(a.get("data-tip", "").startswith(f"operator {a['data-op']}:") for a in ops)   # the script ran
    assert len(doc.find("rect", "tensor")) == len(arena_tensors(method))
    update = os.environ.get("EMBER_UPDATE_SCREENSHOTS") == "1"
    window = DOCS_WINDOW if update else TEST_WINDOW
    shot = DOCS_IMAGE if update else str(tmp_path / "digits.png")
    if os.path.exists(shot) and update:
        os.remove(shot)
    browse(page_path, tmp_path, f"--screenshot={shot}", f"--window-size={window[0]},{window[1]}")
    width, height, raw = png_pixels(shot)
    assert (width, height) == window
    assert len(set(raw)) > 40, "the screenshot is (nearly) blank"
    assert os.path.getsize(shot) < 300_000
