"""Every op of schema/ops.py SPECS has its per-op test file tests/ops/test_<stem>.py."""
from pathlib import Path

from schema.ops import SPECS


def test_every_op_has_a_test_file():
    here = Path(__file__).parent
    missing = [name for name in SPECS if not (here / f"test_{name.lower()}.py").is_file()]
    assert not missing, f"no per-op test file for {missing}"
