"""onnx's backend node tests against Ember through exporter/onnx_backend.py, on both
runtimes, for the explicit list tests/onnx_node_tests.txt: the node tests that pass on
both today (366 of the 1,884 CPU node tests of onnx 1.23.2; 370 pass on the Python
runtime alone, the 4 more being POW with mixed operand dtypes). A test not in the list
needs an op, a dtype (int16, uint16/32/64, float16, double, string, ...) or an
attribute variant Ember does not have yet; growing the list is issue 6's work."""
import os
import warnings

import onnx.backend.test
import pytest

from exporter.onnx_backend import EmberBackend, EmberCBackend

LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx_node_tests.txt")
NAMES = [ln.strip() for ln in open(LIST) if ln.strip() and not ln.startswith("#")]


def node_tests(backend):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = onnx.backend.test.BackendTest(backend, __name__)
    wanted, cases = set(NAMES), []
    for case in bt.test_cases.values():
        if "Node" in case.__name__:
            cases += [(case, name) for name in dir(case) if name in wanted]
    return cases


@pytest.mark.parametrize("backend", [EmberBackend, EmberCBackend], ids=["python", "c"])
def test_listed_node_tests_pass(backend):
    cases = node_tests(backend)
    assert len(cases) == len(NAMES), "a listed node test is missing from the installed onnx"
    failed = []
    for case, name in cases:
        result = case(name).run()
        if not result.wasSuccessful() or result.skipped:
            failed.append(name)
    print(f"{backend.__name__}: {len(cases) - len(failed)} of {len(cases)} listed node tests passed, "
          f"0 skipped, {len(failed)} failed")
    assert not failed, failed
