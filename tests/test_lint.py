"""Lint: the Python code passes ruff with the project's configuration (pyproject.toml [tool.ruff]);
no Python or C function is over MAX_FUNCTION_LINES lines outside tests and generated code."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_ruff_is_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


MAX_FUNCTION_LINES = 80
GENERATED = {"schema/program_generated.py"}


def _python_functions():
    """(path, name, lines) of every function outside tests and generated code."""
    import ast
    for folder in ("ember", "exporter", "runtime_py", "schema", "benchmarks", "demo", "runtime_c"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            for f in files:
                path = os.path.relpath(os.path.join(dirpath, f), ROOT)
                if not f.endswith(".py") or path in GENERATED or "/build/" in path:
                    continue
                with open(os.path.join(ROOT, path)) as fh:
                    tree = ast.parse(fh.read())
                for node in ast.walk(tree):
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        yield path, node.name, node.end_lineno - node.lineno + 1


def test_no_python_function_over_80_lines():
    long = [f"{p}: {name} ({n} lines)" for p, name, n in _python_functions() if n > MAX_FUNCTION_LINES]
    assert not long, "split these functions:\n" + "\n".join(long)


C_FOLDERS = ("runtime_c/src", "runtime_c/examples", "runtime_c/fuzz")


def _c_files():
    """The C sources and headers under C_FOLDERS (recursively) and benchmarks/*.c, less
    generated ones (first line contains GENERATED)."""
    paths = [os.path.join(dirpath, f) for folder in C_FOLDERS
             for dirpath, _, files in os.walk(os.path.join(ROOT, folder)) for f in files]
    paths += [os.path.join(ROOT, "benchmarks", f) for f in os.listdir(os.path.join(ROOT, "benchmarks"))]
    for path in sorted(paths):
        if path.endswith((".c", ".h")):
            with open(path) as fh:
                text = fh.read()
            if "GENERATED" not in text.split("\n", 1)[0]:
                yield os.path.relpath(path, ROOT), text


def _c_code_only(text):
    """text with comments, string and character literals and preprocessor directives
    (with their continuation lines) blanked to spaces; newlines are kept, so line numbers hold."""
    out, i, n, state, line_start = [], 0, len(text), "code", True
    while i < n:
        c, pair = text[i], text[i:i + 2]
        if state == "code":
            if pair == "//":
                state = "line comment"
            elif pair == "/*":
                state, c = "block comment", "  "
                i += 1
            elif c in "\"'":
                state = c
            elif c == "#" and line_start:
                state = "directive"
            if state != "code":
                c = " " * len(c)
        elif state in ('"', "'"):
            if c == "\\":
                c, i = "  " if text[i + 1:i + 2] != "\n" else " \n", i + 1
            elif c == state:
                state, c = "code", " "
            elif c != "\n":
                c = " "
        elif state == "block comment":
            if pair == "*/":
                state, c = "code", "  "
                i += 1
            elif c != "\n":
                c = " "
        elif c == "\n" and not (state == "directive" and text[i - 1] == "\\"):
            state = "code"                      # the end of a // comment or a directive
        elif c != "\n":
            c = " "
        if c == "\n" or not c.isspace():
            line_start = c == "\n"
        out.append(c)
        i += 1
    return "".join(out)


def _c_function_name(header):
    """The name of the function whose declarator is header (the code since the previous
    top-level ; or }), or None when header does not end a function declarator: a struct,
    union or enum body, an initializer (`= {`)."""
    header = header.strip()
    if not header.endswith(")"):
        return None
    depth, names = 0, []
    for m in re.finditer(r"[()=]|([A-Za-z_]\w*)\s*(?=\()", header):
        if m.group(0) == "(":
            depth += 1
        elif m.group(0) == ")":
            depth -= 1
        elif m.group(0) == "=" and depth == 0:
            return None
        elif m.group(1) and depth == 0:
            names.append(m.group(1))
    # attributes and function-like macros (upper case) are not the name
    real = [x for x in names if not x.startswith("__") and not x.isupper()]
    return (real or names or ["?"])[0]


def _c_functions(path, text):
    """(path, name, lines) of every top-level function body in text, counted from the line
    of its opening brace to the line of its closing brace, both included."""
    code, depth, header, name, start = _c_code_only(text), 0, "", None, 0
    for lineno, line in enumerate(code.split("\n"), 1):
        for c in line:
            if c == "{":
                if depth == 0:
                    name, start = _c_function_name(header), lineno
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    if name is not None:
                        yield path, name, lineno - start + 1
                    name, header = None, ""
            elif depth == 0:
                header = "" if c == ";" else header + c
        if depth == 0:
            header += "\n"


def test_no_c_function_over_80_lines():
    long = [f"{p}: {name} ({n} lines)" for path, text in _c_files()
            for p, name, n in _c_functions(path, text) if n > MAX_FUNCTION_LINES]
    assert not long, "split these functions:\n" + "\n".join(long)
