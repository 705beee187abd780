"""Language models with a static KV cache (issue 16): transformers' LlamaForCausalLM (rotary
embeddings, grouped-query attention, RMSNorm, SiLU gating) and GPT2LMHeadModel from small
configs with random weights, wrapped as transformers.integrations.executorch does, exported
once with a prefill and a decode method sharing the cache (program state). Greedy decoding
from the program gives eager PyTorch's tokens exactly, in both runtimes."""
import copy
import os

import numpy as np
import pytest
import torch

import runtime_py
from exporter import export_methods
from runtime_py.errors import EmberError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = pytest.importorskip("transformers")
from exporter.llm import cached_step  # noqa: E402

CACHE, PROMPT, STEPS = 48, 4, 32


def cached(name):
    torch.manual_seed(0)
    if name == "llama":
        cfg = transformers.LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
        model = transformers.LlamaForCausalLM(cfg)
    else:
        cfg = transformers.GPT2Config(vocab_size=64, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                                      bos_token_id=0, eos_token_id=0)
        model = transformers.GPT2LMHeadModel(cfg)
    return cached_step(model, CACHE)


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def lm(request):
    model = cached(request.param)
    eager = copy.deepcopy(model)
    data = export_methods({"prefill": (model.forward, (torch.zeros(1, PROMPT, dtype=torch.long), torch.arange(PROMPT))),
                           "decode": (model.forward, (torch.zeros(1, 1, dtype=torch.long), torch.tensor([PROMPT])))},
                          bundle_test=False)
    return request.param, eager, data


def greedy(step, prompt, n):
    """[tokens], [last logits per step]: prefill the prompt, then n - 1 one-token decodes."""
    logits = step("prefill", prompt, np.arange(len(prompt[0])))
    out, seen = [], []
    for t in range(n):
        seen.append(logits[0, -1])
        out.append(int(np.argmax(logits[0, -1])))
        if t + 1 < n:
            logits = step("decode", np.array([[out[-1]]]), np.array([PROMPT + t]))
    return out, seen


def eager_step(model):
    def run(_method, ids, positions):
        with torch.no_grad():
            return model(torch.from_numpy(np.asarray(ids)), torch.from_numpy(np.asarray(positions))).numpy()
    return run


def program_step(program):
    return lambda method, ids, positions: program.run(method, ids, positions)[0]


@pytest.mark.parametrize("backend", ["py", "c"])
def test_greedy_generation_gives_eager_tokens(lm, backend):
    name, eager, data = lm
    program = runtime_py.load(data) if backend == "py" else runtime_py.load(data, backend="c")
    prompt = np.array([[5, 17, 42, 8]])
    want, want_logits = greedy(eager_step(copy.deepcopy(eager)), prompt, STEPS)
    got, got_logits = greedy(program_step(program), prompt, STEPS)
    assert got == want, (name, backend)
    for w, g in zip(want_logits, got_logits):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)


def test_the_program_holds_the_cache_as_state(lm):
    name, _, data = lm
    program = runtime_py.load(data)
    names = [s["name"] for s in program.state_tensors]
    assert sum("key_cache" in n for n in names) == 2 and sum("value_cache" in n for n in names) == 2
    for method in ("prefill", "decode"):
        assert runtime_py.load(data).method(method).operators.count("INDEX_COPY") >= 4


@pytest.mark.parametrize("backend", ["py", "c"])
def test_bad_positions_and_ids_are_errors(lm, backend):
    _, _, data = lm
    program = runtime_py.load(data) if backend == "py" else runtime_py.load(data, backend="c")
    program.run("prefill", np.array([[1, 2, 3, 4]]), np.arange(4))
    before = np.array(program.state, copy=True)
    with pytest.raises(EmberError, match="position 48 outside"):
        program.run("decode", np.array([[1]]), np.array([CACHE]))          # past the cache
    assert np.array_equal(program.state, before)
    with pytest.raises(EmberError):
        program.run("decode", np.array([[1.0]], np.float32), np.array([4]))  # ids of the wrong dtype
    with pytest.raises(EmberError):
        program.run("prefill", np.arange(6)[None], np.arange(6))            # a longer prompt than prefill takes


FACTORY = '''
import sys

import torch

sys.path.insert(0, {tests!r})
from test_llm import PROMPT, cached


def make():
    m = cached("llama")
    return {{"prefill": (m.forward, (torch.zeros(1, PROMPT, dtype=torch.long), torch.arange(PROMPT))),
             "decode": (m.forward, (torch.zeros(1, 1, dtype=torch.long), torch.tensor([PROMPT])))}}
'''


def ember(*args, cwd):
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-m", "ember.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": root})
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def llama_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("llm")
    (d / "lm.py").write_text(FACTORY.format(tests=os.path.dirname(os.path.abspath(__file__))))
    rc, out, err = ember("export", "lm.py:make", "-o", "lm.ember", "-q", "--no-test-case", cwd=d)
    assert rc == 0, err
    return d


@pytest.mark.parametrize("runtime", ["py", "c"])
@pytest.mark.parametrize("prompt", [[5, 17, 42, 8], [5, 17, 42, 8, 9, 10, 11], [3]])
def test_cli_generate_is_greedy_eager(llama_file, runtime, prompt):
    """Prompts of exactly the prefill length, longer (prefill then decode for the rest) and
    shorter (decode only): the tokens eager PyTorch picks."""
    rc, out, err = ember("generate", "lm.ember", "--prompt-ids", ",".join(map(str, prompt)), "-n", "12",
                         "--runtime", runtime, cwd=llama_file)
    assert rc == 0, err
    got = [int(t) for t in out.split()]
    model = cached("llama")
    want = []
    with torch.no_grad():
        for t, token in enumerate(prompt):                       # one token at a time: no prefill shape
            logits = model(torch.tensor([[token]]), torch.tensor([t]))
        for i in range(12):
            want.append(int(logits[0, -1].argmax()))
            logits = model(torch.tensor([[want[-1]]]), torch.tensor([len(prompt) + i]))
    assert got == want
    assert "prefill:" in err and "tok/s" in err


def test_cli_generate_sampling_and_errors(llama_file):
    args = ["generate", "lm.ember", "--prompt-ids", "5,17", "-n", "10", "--temperature", "0.9", "--top-k", "8"]
    runs = [ember(*args, "--seed", s, cwd=llama_file) for s in (1, 1, 2)]
    assert all(rc == 0 for rc, _, _ in runs)
    assert runs[0][1] == runs[1][1] and runs[0][1] != runs[2][1]
    for bad, message in ((["--prompt-ids", "5,x"], "comma-separated token ids"),
                         (["--prompt-ids", "5", "-n", "60"], "cache holds 48"),
                         (["--prompt-ids", "5", "-n", "0"], "-n must be at least 1")):
        rc, _, err = ember("generate", "lm.ember", *bad, cwd=llama_file)
        assert rc == 2 and message in err and "Traceback" not in err, err


@pytest.mark.parametrize("mode", ["int8-weight-only", "int8-dynamic"])
def test_int8_linear_weights_keep_the_logits(mode):
    """int8 per-channel weights for every linear layer (int8-weight-only: float arithmetic;
    int8-dynamic: int8 rows x int8 weights): teacher-forced on eager's greedy tokens, every
    step's logits keep a cosine >= 0.99 against eager float, and the runtimes agree."""
    model = cached("llama")
    eager = copy.deepcopy(model)
    prompt = np.array([[5, 17, 42, 8]])
    tokens, want = greedy(eager_step(eager), prompt, 24)
    data = export_methods({"prefill": (model.forward, (torch.zeros(1, PROMPT, dtype=torch.long), torch.arange(PROMPT))),
                           "decode": (model.forward, (torch.zeros(1, 1, dtype=torch.long), torch.tensor([PROMPT])))},
                          bundle_test=False, quantize=mode)
    assert runtime_py.load(data).method("decode").precisions.count(mode.replace("-only", "")) >= 14
    runs = []
    for program in (runtime_py.load(data), runtime_py.load(data, backend="c")):
        logits, seen = program.run("prefill", prompt, np.arange(PROMPT))[0], []
        for t, token in enumerate(tokens):
            seen.append(logits[0, -1])
            logits = program.run("decode", np.array([[token]]), np.array([PROMPT + t]))[0]
        runs.append(seen)
    for w, p, c in zip(want, *runs):
        assert float(w @ p / (np.linalg.norm(w) * np.linalg.norm(p))) >= 0.99
        np.testing.assert_allclose(c, p, rtol=1e-4, atol=1e-5)


DYNAMIC_FACTORY = '''
import sys

import torch

sys.path.insert(0, {tests!r})
from exporter import DynamicDim
from test_llm import cached

# the prompt's length 1..16: dimension 1 of the ids and dimension 0 of the positions, one size
SEQ = [DynamicDim("seq", 1, 16, inputs=(0,)), DynamicDim("seq", 0, 16, inputs=(1,))]


def make():
    m = cached("llama")
    return {{"prefill": (m.forward, (torch.zeros(1, 4, dtype=torch.long), torch.arange(4)), SEQ),
             "decode": (m.forward, (torch.zeros(1, 1, dtype=torch.long), torch.tensor([4])))}}
'''


@pytest.fixture(scope="module")
def dynamic_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("llm_dynamic")
    (d / "lm.py").write_text(DYNAMIC_FACTORY.format(tests=os.path.dirname(os.path.abspath(__file__))))
    rc, out, err = ember("export", "lm.py:make", "-o", "lm.ember", "-q", "--no-test-case", cwd=d)
    assert rc == 0, err
    return d


@pytest.mark.parametrize("backend", ["py", "c"])
def test_prefill_of_any_length_up_to_its_maximum(dynamic_file, backend):
    path = str(dynamic_file / "lm.ember")
    program = runtime_py.load(path) if backend == "py" else runtime_py.load(path, backend="c")
    assert runtime_py.load(path).method("prefill").inputs[0]["shape"] == [1, "seq"]
    for n in (1, 5, 16):
        ids = (np.arange(n)[None] * 7 + 3) % 64
        with torch.no_grad():
            want = cached("llama")(torch.from_numpy(ids), torch.arange(n)).numpy()
        program.reset_state()
        np.testing.assert_allclose(program.run("prefill", ids, np.arange(n))[0], want, rtol=1e-4, atol=1e-5)
    with pytest.raises(EmberError):
        program.run("prefill", np.zeros((1, 17), np.int64), np.arange(17))


def test_cli_generate_with_a_dynamic_prefill(dynamic_file, llama_file):
    """The whole prompt in one prefill (any length up to 16): the same tokens as the fixed one."""
    prompt = "5,17,42,8,9,10,11"
    runs = [ember("generate", "lm.ember", "--prompt-ids", prompt, "-n", "12", "--runtime", "py", cwd=d)
            for d in (dynamic_file, llama_file)]
    assert all(rc == 0 for rc, _, _ in runs), runs
    assert runs[0][1] == runs[1][1]
    assert "prefill: 7 tokens" in runs[0][2]
