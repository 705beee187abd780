"""onnx's backend node tests against Ember, through tests/onnx_backend.py, on both
runtimes: every CPU node test of the installed onnx package runs, except those listed
in tests/onnx_node_skips.txt, each there under its reason (a dtype Ember lacks, an op
outside Ember's op set, an unsupported variant). Each test that runs must pass at the
suite's own tolerances. tests/tools/onnx_node_survey.py rewrites the list."""
import os
import warnings

import numpy as np
import onnx.backend.test
import pytest

from onnx_backend import EmberBackend, EmberCBackend

SKIPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx_node_skips.txt")


def skipped():
    names = {}
    reason = None
    for line in open(SKIPS):
        line = line.strip()
        if line.startswith("## "):
            reason = line[3:]
        elif line and not line.startswith("#"):
            names[line] = reason
    return names


def node_tests(backend):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = onnx.backend.test.BackendTest(backend, __name__)
    cases = []
    for case in bt.test_cases.values():
        if "Node" in case.__name__:
            cases += [(case, name) for name in sorted(dir(case)) if name.startswith("test_") and name.endswith("_cpu")]
    return cases


def test_skip_list_names_real_tests_with_reasons():
    cases = {name for _, name in node_tests(EmberBackend)}
    skips = skipped()
    assert set(skips) <= cases, sorted(set(skips) - cases)[:5]
    assert all(skips.values())
    assert len(cases) - len(skips) >= 600


@pytest.mark.parametrize("backend", [EmberBackend, EmberCBackend], ids=["python", "c"])
def test_node_tests_pass(backend):
    skips = skipped()
    cases = node_tests(backend)
    failed, passed = [], 0
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case, name in cases:
            if name in skips:
                continue
            result = case(name).run()
            if result.wasSuccessful() and not result.skipped:
                passed += 1
            else:
                failed.append(name)
    print(f"\n{backend.__name__}: {passed} passed, {len(skips)} skipped (listed), {len(failed)} failed, "
          f"of {len(cases)} ONNX node tests")
    assert not failed, failed
