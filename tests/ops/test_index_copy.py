"""INDEX_COPY and program state (schema 2.4): buffers a model mutates become STATE tensors
kept across runs; index_copy_, index_put_ and slice assignment with a tensor position
update them in place; any other mutation (add_, copy_) is stored at the method's end.
Against eager PyTorch over several runs, positions checked at run time."""
import copy

import numpy as np
import pytest
import torch
import torch.nn as nn

import runtime_py
from exporter import export_module
from runtime_py.errors import ExecutionError

BACKENDS = ["py"]


class Cache(nn.Module):
    """A KV-cache-like buffer updated at run-time positions, read after the update."""
    def __init__(self, axis=1):
        super().__init__()
        torch.manual_seed(0)
        self.axis = axis
        self.lin = nn.Linear(4, 4)
        self.register_buffer("k", torch.zeros(2, 8, 4))

    def forward(self, x, pos):
        self.k.index_copy_(self.axis, pos, self.lin(x))
        return self.k.sum(self.axis)


class Assign(nn.Module):
    """Slice assignment with a tensor position, an initial value, and add_ (stored at the end)."""
    def __init__(self):
        super().__init__()
        self.register_buffer("k", torch.arange(64, dtype=torch.float32).reshape(2, 8, 4))
        self.register_buffer("steps", torch.zeros(3))

    def forward(self, x, pos):
        self.k[:, pos] = x
        self.steps.add_(1)
        return self.k * 2, self.steps + 0


def _steps(model, example, steps):
    eager = copy.deepcopy(model)
    data = export_module(model, example)
    return eager, data, steps


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("factory,n", [(Cache, 1), (Cache, 3), (Assign, 1), (Assign, 2)])
def test_state_across_runs_matches_eager(factory, n, backend):
    model = factory().eval()
    example = (torch.randn(2, n, 4), torch.arange(n))
    eager = copy.deepcopy(model)
    data = export_module(model, example)
    program = runtime_py.load(data, backend=backend) if backend != "py" else runtime_py.load(data)
    assert "INDEX_COPY" in runtime_py.load(data).method().operators
    rng = np.random.default_rng(0)
    for step in range(8 // n):
        x = torch.from_numpy(rng.standard_normal((2, n, 4)).astype(np.float32))
        pos = torch.arange(step * n, step * n + n)
        with torch.no_grad():
            want = eager(x, pos)
        want = want if isinstance(want, tuple) else (want,)
        got = program.run("forward", x.numpy(), pos.numpy())
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_position_past_the_state_is_an_error_and_writes_nothing(backend):
    model = Cache().eval()
    data = export_module(model, (torch.randn(2, 1, 4), torch.tensor([0])))
    program = runtime_py.load(data)
    program.run("forward", np.ones((2, 1, 4), np.float32), np.array([3]))
    before = program.state.copy()
    for bad in (8, -1, 1 << 40):
        with pytest.raises(ExecutionError, match=f"position {bad} outside"):
            program.run("forward", np.ones((2, 1, 4), np.float32), np.array([bad]))
        assert np.array_equal(program.state, before)


def test_two_programs_keep_separate_state_and_reset():
    model = Cache().eval()
    data = export_module(model, (torch.randn(2, 1, 4), torch.tensor([0])))
    a, b = runtime_py.load(data), runtime_py.load(data)
    x = np.ones((2, 1, 4), np.float32)
    first = a.run("forward", x, np.array([0]))[0]
    a.run("forward", x, np.array([1]))
    assert not np.array_equal(a.state, b.state)
    assert np.array_equal(b.run("forward", x, np.array([0]))[0], first)
    a.reset_state()
    assert np.array_equal(a.run("forward", x, np.array([0]))[0], first)
    assert [s["name"] for s in a.state_tensors] == ["k"]


def test_the_update_is_in_place():
    """index_copy_ on the buffer becomes one INDEX_COPY writing the state tensor itself."""
    data = export_module(Cache().eval(), (torch.randn(2, 1, 4), torch.tensor([0])))
    m = runtime_py.load(data).method()
    k = m.operators.index("INDEX_COPY")
    op = m.operator_table[k]
    assert op.inputs[0] == op.outputs[0] and m.tensor_info(op.outputs[0])["storage"] == "state"
