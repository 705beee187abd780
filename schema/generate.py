"""Writes what schema/ops.py decides into the schema's other files: the `enum OpCode` of
schema/program.fbs (from OPCODES) and the "Operators" section of schema/README.md (from
SEMANTICS). `make schema` runs it before flatc; `--check` fails when either is stale
(tests/test_format.py).

    python schema/generate.py [--check]
"""
from __future__ import annotations

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from schema.ops import OPCODES, SEMANTICS, SPECS  # noqa: E402

FBS_BEGIN = "// GENERATED from schema/ops.py OPCODES by schema/generate.py: edit there.\n"
MD_BEGIN = "<!-- GENERATED from schema/ops.py SEMANTICS by schema/generate.py: edit there. -->\n"
MD_END = "<!-- END GENERATED -->\n"


def fbs_enum() -> str:
    return FBS_BEGIN + "enum OpCode : ushort {\n" + "".join(f"  {n} = {i},\n" for i, n in enumerate(OPCODES)) + "}\n"


def operators_section() -> str:
    return MD_BEGIN + "".join(f"\n### {n}\n{SEMANTICS[n].rstrip()}\n" for n in OPCODES) + MD_END


def _replace(text: str, pattern: str, new: str, path: str) -> str:
    found = re.search(pattern, text, re.S)
    if not found:
        raise SystemExit(f"{path}: no generated block to replace (pattern {pattern!r})")
    return text[:found.start()] + new + text[found.end():]


def generated() -> dict:
    """{path: the file's text with its generated block up to date}."""
    if set(SPECS) != set(OPCODES) or len(OPCODES) != len(set(OPCODES)) \
            or set(SEMANTICS) != set(OPCODES):
        raise SystemExit("schema/ops.py: OPCODES, SPECS and SEMANTICS must name the same ops")
    fbs = os.path.join(HERE, "program.fbs")
    md = os.path.join(HERE, "README.md")
    out = {}
    with open(fbs) as f:
        out[fbs] = _replace(f.read(), r"(// GENERATED from schema/ops.py[^\n]*\n)?enum OpCode : ushort \{.*?\}\n",
                            fbs_enum(), fbs)
    with open(md) as f:
        out[md] = _replace(f.read(), r"(<!-- GENERATED from schema/ops.py.*?<!-- END GENERATED -->\n|### CONV2D\n.*\Z)",
                           operators_section(), md)
    return out


def main(argv) -> int:
    stale = []
    for path, text in generated().items():
        with open(path) as f:
            if f.read() == text:
                continue
        stale.append(os.path.relpath(path, os.path.dirname(HERE)))
        if "--check" not in argv:
            with open(path, "w") as f:
                f.write(text)
    if stale and "--check" in argv:
        print(f"stale: {', '.join(stale)}: run `make schema`", file=sys.stderr)
        return 1
    print(f"{'updated' if stale else 'up to date'}: {', '.join(stale) or 'schema/program.fbs, schema/README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
