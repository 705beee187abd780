"""Every command and code sample in README.md and docs/*.md runs, and shown output is what it prints.

Each markdown file is one session in its own workspace: a temporary folder laid out like the
repository after `make demo` (every top-level entry of the repository linked in, demo/ copied
with a freshly trained model and demo/out/digits.ember), so the samples run exactly as written
from the repository root while what they write stays in the temporary folder. The blocks of a
file run in order: a file written by one block is there for the next.

A fenced block is handled by its language:
  ```sh       the whole block runs as one bash script (set -e), .venv/bin first on PATH
  ```console  each `$ ` line runs (a line ending in a backslash goes on); the lines after
              it are its expected output
  ```python   runs with the venv's python
  ```c        compiled with the project's warnings (-std=c99 ... -Werror) against
              runtime_c/build/libember.so (`make -C runtime_c all`), then run
  ```text     plain text (also a bare ```): nothing runs, unless a marker says what to check;
              any other language fails, so a sample cannot go unrun by a typo

A marker is an HTML comment right above the fence, `<!-- doc-test: DIRECTIVE; DIRECTIVE -->`,
visible to whoever edits the markdown:
  output                   the expected output of the block before (for a console block:
                           the output of its last command)
  file NAME                also written to NAME in the workspace (a python block with `file`
                           is only written, for a later command to use)
  args A B                 the arguments of the compiled C program
  cflags X Y               extra compiler arguments for a C block
  exit N                   every command of the block exits with status N (default 0)
  make-dry-run: REASON     too slow for `make test`, or `make test` itself: each command is
                           `make ...` and runs as `make -n ...`, which proves the target exists
  covered-by FILE: REASON  run by another test of the suite: FILE must exist and name every
                           command of the block
  picture                  a drawing, not a command: nothing to run (said explicitly)
  recorded FILE: REASON    output that FILE prints, too slow to rerun here: FILE must exist
                           (and the ONNX node-suite counts must match tests/onnx_node_skips.txt)
  synopsis                 the usage of an `ember` subcommand: it names exactly the flags
                           that `ember SUBCOMMAND --help` lists (but -h)

Expected output is compared line by line after collapsing spaces and replacing every decimal
number (3.5, -2.4e-06) by `#`, so timings and float noise pass while integers (bytes, shapes,
counts) must match. A line `...` skips any number of lines; `...` inside a line matches any text.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
PYTHON = os.path.join(VENV_BIN, "python") if os.path.exists(os.path.join(VENV_BIN, "python")) else sys.executable
LIBEMBER = os.path.join(ROOT, "runtime_c", "build", "libember.so")
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wshadow", "-Wstrict-prototypes", "-Wvla",
          "-Wdouble-promotion", "-Wundef"]
DOCS = ["README.md"] + sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                              if f.endswith(".md"))
TIMEOUT = 300

FENCE = re.compile(r"^```(\w*)[ \t]*$")
MARKER = re.compile(r"^<!--\s*doc-test:(.*?)-->\s*$")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


class Block:
    def __init__(self, doc, line, lang, text, directives):
        self.doc, self.line, self.lang, self.text, self.directives = doc, line, lang, text, directives

    def __repr__(self):
        return f"{self.doc}:{self.line} ({self.lang})"

    def get(self, name, default=None):
        return self.directives.get(name, default)


def parse_directives(text):
    directives = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, value = part.partition(" ")
        name = name.rstrip(":")
        directives[name] = value.strip()
    return directives


def blocks(doc):
    """The fenced blocks of a markdown file, each with the directives of the marker above it."""
    lines = open(os.path.join(ROOT, doc)).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        assert j < len(lines), f"{doc}:{start + 1}: unclosed code fence"
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = MARKER.match(lines[k]) if k >= 0 else None
        out.append(Block(doc, start + 1, lang, "\n".join(lines[start + 1:j]) + "\n",
                         parse_directives(marker.group(1)) if marker else {}))
        i = j + 1
    return out


# ---- expected output --------------------------------------------------------------------
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+(?:e[-+]?\d+)?|e[-+]\d+)")


def normalize(line):
    return " ".join(NUMBER.sub("#", line).split())


def line_matches(expected, actual):
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(p) for p in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def check_output(block, expected_text, actual_text):
    """Each run of expected lines between `...` lines appears, in order, as consecutive lines."""
    actual = [normalize(a) for a in actual_text.splitlines()]
    chunks, chunk = [], []
    for line in expected_text.splitlines():
        if line.strip() == "...":
            chunks.append(chunk)
            chunk = []
        elif line.strip():
            chunk.append(normalize(line))
    chunks.append(chunk)
    pos = 0
    for chunk in filter(None, chunks):
        for start in range(pos, len(actual) - len(chunk) + 1):
            if all(line_matches(e, a) for e, a in zip(chunk, actual[start:start + len(chunk)])):
                pos = start + len(chunk)
                break
        else:
            pytest.fail(f"{block}: the shown output\n  " + "\n  ".join(chunk) +
                        "\nis not in what the command printed:\n" + actual_text[-4000:])


# ---- running ------------------------------------------------------------------------------
def environment():
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env["OMP_NUM_THREADS"] = "1"       # torch on a shared 2-core machine: no busy-waiting threads
    env["EMBER_REPO"] = ROOT
    return env


def run(block, argv, cwd, shell=False):
    r = subprocess.run(argv, cwd=cwd, env=environment(), shell=shell, executable="/bin/bash" if shell else None,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    status = int(block.get("exit", "0"))
    assert r.returncode == status, (f"{block}: {argv if not shell else argv.strip()} exited with "
                                    f"{r.returncode}, expected {status}:\n{r.stdout[-4000:]}")
    return r.stdout


def console_commands(text):
    """[(command, expected output)] of a console block."""
    commands, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith("$ "):
            assert not commands and not line.strip(), f"output before the first command: {line!r}"
            continue
        command = line[2:]
        while command.endswith("\\") and i < len(lines):
            command = command[:-1] + lines[i]
            i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        commands.append((command, "\n".join(expected)))
    return commands


def commands_of(block):
    if block.lang == "console":
        return [c for c, _ in console_commands(block.text)]
    return [line for line in block.text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def dry_run(block, ws):
    for command in commands_of(block):
        words = command.split()
        assert words[0] == "make", f"{block}: a make-dry-run block holds only make commands, not {command!r}"
        run(block, "make -n " + command[len("make"):], ws, shell=True)


def covered_by(block):
    target = block.get("covered-by").split(":")[0].strip()
    path = os.path.join(ROOT, target)
    assert os.path.exists(path), f"{block}: covered-by names {target}, which does not exist"
    source = open(path).read()
    for command in commands_of(block):
        program = os.path.basename(command.split()[0])
        assert program in source, f"{block}: {target} never runs {program} ({command!r})"


FLAG = re.compile(r"(?<![\w-])--?[a-zA-Z][\w-]*")


def synopsis(block, ws):
    words = block.text.split()
    assert words[0] == "ember", f"{block}: a synopsis starts with `ember SUBCOMMAND`"
    shown = set(FLAG.findall(block.text))
    listed = set(FLAG.findall(run(block, ["ember", words[1], "--help"], ws))) - {"-h", "--help"}
    assert shown == listed, (f"{block}: ember {words[1]} --help lists {sorted(listed - shown)} that the synopsis "
                             f"lacks, the synopsis shows {sorted(shown - listed)} that --help does not list")


def compile_c(block, ws, index):
    assert os.path.exists(LIBEMBER), f"{LIBEMBER} is missing: build it with `make -C runtime_c all`"
    source = os.path.join(ws, block.get("file") or f"doc_block_{index}.c")
    with open(source, "w") as f:
        f.write(block.text)
    exe = os.path.join(ws, f"doc_block_{index}")
    argv = (["cc", *CFLAGS, "-I", os.path.join(ROOT, "runtime_c", "include"), source]
            + block.get("cflags", "").split()
            + [LIBEMBER, "-lm", "-Wl,-rpath," + os.path.dirname(LIBEMBER), "-o", exe])
    r = subprocess.run(argv, cwd=ws, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, f"{block}: does not compile:\n{r.stdout}{r.stderr}"
    return run(block, [exe, *block.get("args", "").split()], ws)


def recorded(block):
    source = block.get("recorded").split(":")[0].strip()
    assert os.path.exists(os.path.join(ROOT, source)), f"{block}: recorded names {source}, which does not exist"
    counts = re.findall(r"(\d+) passed, (\d+) skipped \(listed\), 0 failed, of (\d+)", block.text)
    if counts:
        skips = open(os.path.join(ROOT, "tests", "onnx_node_skips.txt")).read().split("\n")
        listed = sum(1 for line in skips if line.startswith("test_"))
        for passed, skipped, total in counts:
            assert (int(skipped), int(passed) + int(skipped)) == (listed, int(total)), \
                f"{block}: {skipped} skipped of {total}, but tests/onnx_node_skips.txt lists {listed}"


def run_block(block, ws, index):
    """Runs one block; returns what it printed (None when nothing ran)."""
    if "picture" in block.directives:
        return None
    if "recorded" in block.directives:
        recorded(block)
        return None
    if "covered-by" in block.directives:
        covered_by(block)
        return None
    if "make-dry-run" in block.directives:
        assert block.get("make-dry-run"), f"{block}: make-dry-run needs a reason"
        dry_run(block, ws)
        return None
    if "synopsis" in block.directives:
        synopsis(block, ws)
        return None
    if block.lang == "console":
        out = None
        for command, expected in console_commands(block.text):
            out = run(block, command, ws, shell=True)
            check_output(block, expected, out)
        return out
    if block.lang == "sh":
        return run(block, "set -e\n" + block.text, ws, shell=True)
    if block.lang == "python":
        path = os.path.join(ws, block.get("file") or f"doc_block_{index}.py")
        with open(path, "w") as f:
            f.write(block.text)
        return None if block.get("file") else run(block, [PYTHON, path], ws)
    if block.lang == "c":
        return compile_c(block, ws, index)
    assert block.lang in ("", "text"), (f"{block}: ```{block.lang} is neither a language this test runs (sh, "
                                        f"console, python, c) nor plain text (``` or ```text)")
    if block.get("file") is not None:
        with open(os.path.join(ws, block.get("file")), "w") as f:
            f.write(block.text)
    return None


# ---- the workspace: the repository after `make demo` ---------------------------------------
@pytest.fixture(scope="module")
def after_make_demo(tmp_path_factory):
    """demo/ with the trained digits CNN, demo/out/digits.ember and digits_int8.ember, as `make demo`
    leaves it (4 epochs of training, not 10: the samples need a trained model, not its best accuracy)."""
    demo = tmp_path_factory.mktemp("docs") / "demo"
    demo.mkdir()
    shutil.copy(os.path.join(ROOT, "demo", "digits.py"), demo)
    train = "import sys; sys.path.insert(0, 'demo'); import digits; digits.train(epochs=4, log=lambda *_: None)"
    for argv in ([PYTHON, "-c", train],
                 ["ember", "export", "demo/digits.py:trained", "-o", "demo/out/digits.ember", "--batch-max", "512",
                  "-q"],
                 ["ember", "export", "demo/digits.py:trained", "-o", "demo/out/digits_int8.ember", "--batch-max",
                  "512", "--quantize", "int8", "--calibration", "demo/out/digits_calibration.npy", "-q"]):
        r = subprocess.run(argv, cwd=demo.parent, env=environment(), capture_output=True, text=True,
                           timeout=TIMEOUT)
        assert r.returncode == 0, f"{argv}:\n{r.stdout}{r.stderr}"
    return str(demo)


def workspace(tmp_path, demo):
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in os.listdir(ROOT):
        if name not in ("demo", ".git"):
            os.symlink(os.path.join(ROOT, name), ws / name)
    shutil.copytree(demo, ws / "demo")
    return str(ws)


@pytest.mark.parametrize("doc", DOCS)
def test_samples_run(doc, tmp_path, after_make_demo):
    ws = workspace(tmp_path, after_make_demo)
    previous = None
    for index, block in enumerate(blocks(doc)):
        if "output" in block.directives:
            assert previous is not None, f"{block}: `output` follows no block that ran"
            check_output(block, block.text, previous)
            continue
        previous = run_block(block, ws, index)


@pytest.mark.parametrize("doc", DOCS)
def test_links_resolve(doc):
    text = open(os.path.join(ROOT, doc)).read()
    base = os.path.dirname(doc)
    for target in LINK.findall(text):
        if "://" in target or target.startswith("mailto:"):
            continue
        path = os.path.normpath(os.path.join(base, target))
        assert os.path.exists(os.path.join(ROOT, path)), f"{doc}: broken link {target}"


def test_readme_is_a_front_door():
    lines = open(os.path.join(ROOT, "README.md")).read().splitlines()
    assert len(lines) <= 130, f"README.md has {len(lines)} lines: move reference material to docs/"
    for doc in DOCS[1:]:
        if os.path.basename(doc) != "README.md":
            assert os.path.relpath(doc, "docs") in open(os.path.join(ROOT, "docs", "README.md")).read(), \
                f"docs/README.md does not link {doc}"


def test_the_checks_catch_mistakes(tmp_path):
    """The harness itself: shown output that differs fails, and so does a C sample that ignores a status."""
    block = Block("example.md", 1, "console", "", {})
    check_output(block, "wrote x.ember (4,768 bytes)\n...\nok (0.5s)", "wrote x.ember (4,768 bytes)\nmore\nok (1.5s)\n")
    for wrong in ("wrote x.ember (4,769 bytes)", "ok (0.5s)\n...\nwrote x.ember (4,768 bytes)"):
        with pytest.raises(pytest.fail.Exception):
            check_output(block, wrong, "wrote x.ember (4,768 bytes)\nmore\nok (1.5s)\n")
    ignored = Block("example.md", 1, "c", '#include "ember.h"\nint main(void) {\n'
                    '    ember_method_run((ember_method *)0);\n    return 0;\n}\n', {})
    with pytest.raises(AssertionError, match="does not compile"):
        compile_c(ignored, str(tmp_path), 0)
