"""`make demo-llm` (demo/llm.py) end to end in miniature: a few seconds of training, the
float and int8-weight exports with a KV cache, and generation in both runtimes; the float
program generates the same greedy text in the Python and the C runtime."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "demo"))

pytest.importorskip("transformers")
TEXT = "/usr/share/common-licenses/GPL-3"


@pytest.mark.skipif(not os.path.isfile(TEXT), reason=f"{TEXT} (Debian's base-files) is missing")
def test_demo_llm_in_miniature(tmp_path, capsys):
    import llm
    assert llm.main(["--seconds", "3", "-n", "24", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "the Python and C runtimes generate the same 64 characters" in out
    assert (tmp_path / "llm.ember").is_file() and (tmp_path / "llm_int8.ember").is_file()
    assert (tmp_path / "llm_int8.ember").stat().st_size < 0.6 * (tmp_path / "llm.ember").stat().st_size
    assert out.count("tok/s") == 8              # prefill and decode, 2 programs x 2 runtimes
