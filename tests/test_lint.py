"""The Python code passes ruff with the project's configuration (pyproject.toml [tool.ruff])."""
import os
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
