"""Run every CPU node test of the installed onnx package through Ember on both runtimes
and write tests/onnx_node_skips.txt: the tests Ember does not pass, grouped under the
reason (a dtype Ember lacks, an op outside the op set, an unsupported variant, ...).

    .venv/bin/python tests/tools/onnx_node_survey.py          # rewrite the list
    .venv/bin/python tests/tools/onnx_node_survey.py --check  # print the counts only
    .venv/bin/python tests/tools/onnx_node_survey.py --only gather_elements  # those tests' outcomes

Review the diff before committing: a test leaving the list is new coverage; a test
joining it is a regression unless its reason says why. tests/test_onnx_node_suite.py
runs every node test not in the list, on both runtimes, and requires each to pass.
"""
import argparse
import collections
import os
import re
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]   # the packages; tests/onnx_backend.py
SKIPS = os.path.join(ROOT, "tests", "onnx_node_skips.txt")


def node_cases(backend):
    import onnx.backend.test
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = onnx.backend.test.BackendTest(backend, "survey")
    for case in bt.test_cases.values():
        if "Node" in case.__name__:
            for name in sorted(dir(case)):
                if name.startswith("test_") and name.endswith("_cpu"):
                    yield case, name


_OPS: list = []      # operator counts of the programs compiled for the running test


def _counting_compile():
    """Wrap the backend's compile step to record each program's operator count."""
    import onnx_backend as backend
    from exporter.frontends.onnx import import_onnx
    compile_ = backend._compile

    def counted(model, runtime, feeds=None, bind=None):
        program = compile_(model, runtime, feeds, bind)
        _OPS.append(len(import_onnx(model, feeds, bind)[0].nodes))
        return program
    backend._compile = counted


def outcome(case, name):
    """'PASS' or the reason line of the failure. A test whose program has no operator
    (its output folds to a constant at export: Shape of a static tensor, Constant)
    does not count as passed: Ember computes nothing there."""
    _OPS.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = case(name).run()
    if result.wasSuccessful() and not result.skipped:
        if _OPS and not any(_OPS):
            return "no run-time computation: the output folds to a constant at export"
        return "PASS"
    if result.skipped:
        return "skipped by onnx: " + result.skipped[0][1]
    text = (result.errors + result.failures)[0][1].strip().splitlines()
    if any("Not equal to tolerance" in ln or "Mismatched elements" in ln for ln in text):
        return "wrong result (outside the suite's tolerance)"
    if any("AssertionError" in ln for ln in text):
        return "wrong result: " + text[-1][:120]
    return text[-1]


def reason(message):
    """A reason shared by every test failing the same way (node names removed)."""
    m = re.search(r"ONNX input '[^']*': (\S+) has no Ember dtype", message)
    if m:
        return f"dtype {m.group(1)} is not an Ember dtype"
    if "a sequence has no Ember dtype" in message or "a optional has no Ember dtype" in message:
        return "sequence and optional values are not Ember values"
    m = re.search(r"(\w+) node '[^']*': no Ember mapping for this ONNX op", message)
    if m:
        return f"op {m.group(1)} is not in Ember's op set (and ONNX defines no function for it)"
    m = (re.search(r"is in domain '([^']*)'", message)
         or re.search(r"no opset of the default ONNX domain \(domains: \['([^']*)'", message))
    if m:
        return f"op of domain {m.group(1)}: only the default ONNX domain is imported"
    m = re.search(r"(\w+) node '[^']*': (.*)", message)
    if m:
        return f"{m.group(1)}: " + re.sub(r"'[^']*'", "'…'", m.group(2))[:140]
    return re.sub(r"'[^']*'", "'…'", re.sub(r"^\w+(\.\w+)*: ", "", message))[:160]


def only(text, *backends):
    import numpy as np
    np.seterr(all="ignore")
    for case, name in node_cases(backends[0]):
        if text in name:
            print(name, "|", " | ".join(outcome(c, name) for c in (case, _case_of(backends[1], name))), flush=True)


def _case_of(backend, name):
    return next(c for c, n in node_cases(backend) if n == name)


def main():
    from onnx_backend import EmberBackend, EmberCBackend
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="print the counts, do not write the list")
    ap.add_argument("--only", metavar="TEXT", help="run the node tests whose name holds TEXT and print each "
                    "outcome in both runtimes; write nothing")
    args = ap.parse_args()
    _counting_compile()
    if args.only:
        return only(args.only, EmberBackend, EmberCBackend)
    import numpy as np
    np.seterr(all="ignore")
    results = {}
    for label, backend in (("python", EmberBackend), ("c", EmberCBackend)):
        t0 = time.time()
        results[label] = {name: outcome(case, name) for case, name in node_cases(backend)}
        passed = sum(v == "PASS" for v in results[label].values())
        print(f"{label}: {passed} of {len(results[label])} node tests pass ({time.time() - t0:.0f} s)", flush=True)
    both = {n for n in results["python"] if results["python"][n] == "PASS" and results["c"].get(n) == "PASS"}
    groups = collections.defaultdict(list)
    for name, message in results["python"].items():
        if name in both:
            continue
        why = reason(message) if message != "PASS" else "C runtime: " + reason(results["c"][name])
        groups[why].append(name)
    total = len(results["python"])
    print(f"both runtimes: {len(both)} pass, {total - len(both)} listed as skipped, of {total}")
    if args.check:
        return
    import onnx
    with open(SKIPS, "w") as f:
        f.write(f"# ONNX backend node tests (onnx {onnx.__version__}, {total} CPU tests) that Ember does not run,\n"
                f"# grouped under the reason. Written by tests/tools/onnx_node_survey.py, then reviewed.\n"
                f"# Every node test not listed ({len(both)}) runs in make test on both runtimes and must pass.\n")
        for why, names in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            f.write(f"\n## {why} ({len(names)})\n" + "".join(n + "\n" for n in sorted(names)))
    print(f"wrote {os.path.relpath(SKIPS, ROOT)}: {sum(map(len, groups.values()))} tests in {len(groups)} groups")


if __name__ == "__main__":
    main()
