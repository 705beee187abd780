"""Every zoo model exports, matches eager on the Python runtime at float32 tolerance,
the C runtime matches the Python runtime (1e-5), and its arena is within 1.10x of the
live-bytes lower bound."""
import pytest

from helpers import check_module
from zoo_models import ZOO, exported


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model(name):
    model, inputs, data = exported(name)
    program = check_module(model, inputs, data=data)
    m = program.method()
    assert m.live_bytes_lower_bound > 0
    ratio = m.arena_size / m.live_bytes_lower_bound
    assert ratio <= 1.10, f"{name}: arena {m.arena_size} is {ratio:.3f}x the lower bound"
