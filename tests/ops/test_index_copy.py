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
from crafted import edit
from exporter import export_module
from runtime_py.errors import EmberError, ExecutionError, InputError
from schema import fb

BACKENDS = ["py", "c"]


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
    program = runtime_py.load(data, backend=backend)
    program.run("forward", np.ones((2, 1, 4), np.float32), np.array([3]))
    before = program.state.copy()
    for bad in (8, -1, 1 << 40):
        with pytest.raises(ExecutionError, match=f"position {bad} outside"):
            program.run("forward", np.ones((2, 1, 4), np.float32), np.array([bad]))
        assert np.array_equal(program.state, before)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_programs_keep_separate_state_and_reset(backend):
    model = Cache().eval()
    data = export_module(model, (torch.randn(2, 1, 4), torch.tensor([0])))
    a, b = runtime_py.load(data, backend=backend), runtime_py.load(data, backend=backend)
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


# ---- the C runtime: state memory, and hostile files refused by both loaders ----------------
def _cache_program():
    return export_module(Cache().eval(), (torch.randn(2, 1, 4), torch.tensor([0])))


def _assign_program():
    return export_module(Assign().eval(), (torch.randn(2, 2, 4), torch.arange(2)))


def test_c_state_starts_at_the_initial_value_and_is_shared_by_the_methods_of_a_program():
    data = _assign_program()
    py, c = runtime_py.load(data), runtime_py.load(data, backend="c")
    assert c.state.dtype == np.uint8 and c.state.size == py.state.size == 272
    np.testing.assert_array_equal(c.state, py.state)          # k from its initial value, steps zeros
    assert c.state_tensors == py.state_tensors
    x = np.ones((2, 2, 4), np.float32)
    for step in range(3):
        got, want = c.run("forward", x, np.array([step, 7])), py.run("forward", x, np.array([step, 7]))
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(c.state, py.state)
    c.reset_state()
    py.reset_state()
    np.testing.assert_array_equal(c.state, py.state)


def test_c_method_without_state_bound_refuses_to_run():
    from runtime_py.c_backend import CMethod
    data = _cache_program()
    program = runtime_py.load(data, backend="c")
    m = program.method()
    assert program.lib.ember_method_set_state(m.handle, None, 0) == 0        # unbind
    with pytest.raises(InputError, match="bytes of state and none is bound"):
        m.run(np.ones((2, 1, 4), np.float32), np.array([0]))
    assert program.lib.ember_method_set_state(m.handle, program._state_addr + 8, 256) == 1   # misaligned
    assert program.lib.ember_method_set_state(m.handle, program._state_addr, 255) == 6       # too small
    assert program.lib.ember_program_state_init(program.handle, program._state_addr, 255) == 6
    assert program.lib.ember_program_state_init(program.handle, None, 256) == 1
    assert program.lib.ember_method_set_state(m.handle, program._state_addr, 256) == 0
    m.run(np.ones((2, 1, 4), np.float32), np.array([0]))
    assert isinstance(m, CMethod)


def _state_tensor_of(m, name):
    return next(i for i, t in enumerate(m.tensors) if t.storage == fb.Storage.STATE and t.name.decode() == name)


def _no_such_state(p):
    p.methods[0].tensors[0].offset = 16


def _overlap(p):
    p.state[1].offset = 128
    p.methods[0].tensors[_state_tensor_of(p.methods[0], "b_steps")].offset = 128


def _size_too_small(p):
    p.stateSize = 256


def _size_unaligned(p):
    p.stateSize = 280


def _initial_outside(p):
    p.state[0].initial.offset = p.constantSegmentSize + 64


def _initial_wrong_shape(p):
    p.state[0].initial.shape = [2, 4, 8]


def _second_view_of_the_state(p):
    """INDEX_COPY writes a second Tensor of the same state tensor: its output is not its input 0."""
    m = p.methods[0]
    m.tensors.append(copy.deepcopy(m.tensors[0]))
    op = next(op for op in m.operators if op.opcode == fb.OpCode.INDEX_COPY)
    op.outputs = [len(m.tensors) - 1]


def _written_twice(p):
    m = p.methods[0]
    m.operators[1].outputs = [int(m.operators[0].outputs[0])]    # FULLY_CONNECTED over RESHAPE's output


def _reshape_of_state(p):
    m = p.methods[0]
    view = copy.deepcopy(m.tensors[0])
    view.storage, view.offset, view.name, view.shape = fb.Storage.ARENA, m.arenaSize, b"k_flat", [2, 32]
    m.arenaSize += view.nbytes
    m.tensors.append(view)
    reshape = copy.deepcopy(m.operators[0])
    reshape.inputs, reshape.outputs = [0], [len(m.tensors) - 1]
    m.operators.append(reshape)
    m.outputs = list(m.outputs) + [len(m.tensors) - 1]


HOSTILE = [(_cache_program, _no_such_state, r"STATE at offset 16"),
           (_assign_program, _overlap, r"state tensors 0 and 1 overlap"),
           (_assign_program, _size_too_small, r"inside the state memory of 256 bytes"),
           (_assign_program, _size_unaligned, r"state size 280 is not a multiple of 16"),
           (_assign_program, _initial_outside, r"outside constant segment|initial value"),
           (_assign_program, _initial_wrong_shape, r"initial value"),
           (_cache_program, _second_view_of_the_state, r"must be input 0"),
           (_cache_program, _written_twice, r"already written"),
           (_cache_program, _reshape_of_state, r"a view of state tensor 0")]


@pytest.mark.parametrize("make,fn,c_message", HOSTILE, ids=[h[1].__name__.strip("_") for h in HOSTILE])
def test_hostile_state_files_are_refused_by_both_loaders(make, fn, c_message):
    good = make()
    runtime_py.load(good)
    assert runtime_py.load(good, backend="c").methods
    bad = edit(good, fn)
    with pytest.raises(EmberError):
        runtime_py.load(bad)
    with pytest.raises(EmberError, match=c_message):
        assert runtime_py.load(bad, backend="c").methods     # refused at load, or at method init


def _index_copy_into_the_arena(p):
    m = p.methods[0]
    t = copy.deepcopy(m.tensors[0])
    t.storage, t.offset, t.name = fb.Storage.ARENA, m.arenaSize, b"k_copy"
    m.arenaSize += t.nbytes
    m.tensors.append(t)
    next(op for op in m.operators if op.opcode == fb.OpCode.INDEX_COPY).outputs = [len(m.tensors) - 1]
    m.outputs = list(m.outputs) + [len(m.tensors) - 1]


def _overlap_across_an_empty_one(p):
    empty, inside = copy.deepcopy(p.state[0]), copy.deepcopy(p.state[0])
    empty.offset, empty.shape, empty.nbytes, empty.initial, empty.name = 16, [0], 0, None, b"empty"
    inside.offset, inside.shape, inside.nbytes, inside.initial, inside.name = 64, [4], 16, None, b"inside"
    p.state = list(p.state) + [empty, inside]


@pytest.mark.parametrize("fn,message", [(_index_copy_into_the_arena, r"must be input 0, a state tensor|a STATE tensor"),
                                        (_overlap_across_an_empty_one, r"state tensors 0 and 2 overlap")])
def test_hostile_state_files_refused_by_both_loaders_too(fn, message):
    """INDEX_COPY's output is its input 0 and a STATE tensor, and state tensors overlap also
    when an empty one sorts between them: both loaders."""
    bad = edit(_cache_program(), fn)
    with pytest.raises(EmberError, match=message):
        assert runtime_py.load(bad, backend="c").methods
    with pytest.raises(EmberError, match=message):
        runtime_py.load(bad)
