"""runtime_c/examples/generate.c (issue 16): the generation loop of a language-model program in
C, with no Python. A small Llama (tests/test_llm.py's `cached("llama")`, prefill of PROMPT
tokens) is exported once; the app's greedy ids are those of `ember generate --runtime py` for
prompts of exactly, more and fewer than the prefill length, also on threads and under ASan +
UBSan; sampling is seeded; bad arguments and a request past the cache are one line, exit 2."""
import os
import subprocess

import pytest

from test_llm import FACTORY, ember  # skips without transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME_C = os.path.join(ROOT, "runtime_c")
GENERATE = os.path.join(RUNTIME_C, "build", "generate")
GENERATE_SAN = os.path.join(RUNTIME_C, "build", "san", "generate")
PROMPTS = [[5, 17, 42, 8], [5, 17, 42, 8, 9, 10, 11], [3]]   # = P, > P, < P (P = 4)


def make(*args):
    r = subprocess.run(["make", "-j2", "--no-print-directory", "-C", RUNTIME_C, *args],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"make {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"


def generate(*args, cwd, binary=GENERATE):
    r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope="module")
def llama_dir(tmp_path_factory):
    """lm.ember (the Llama of test_llm.py) in a folder, and the app built."""
    make("all")
    d = tmp_path_factory.mktemp("c_generate")
    (d / "lm.py").write_text(FACTORY.format(tests=os.path.dirname(os.path.abspath(__file__))))
    rc, _, err = ember("export", "lm.py:make", "-o", "lm.ember", "-q", "--no-test-case", cwd=d)
    assert rc == 0, err
    return d


def ids(out):
    return [int(t) for t in out.split()]


@pytest.mark.parametrize("prompt", PROMPTS, ids=["prefill", "prefill+decode", "decode"])
def test_greedy_ids_are_the_python_tools(llama_dir, prompt):
    text = ",".join(map(str, prompt))
    rc, out, err = ember("generate", "lm.ember", "--prompt-ids", text, "-n", "12", "--runtime", "py", cwd=llama_dir)
    assert rc == 0, err
    want = ids(out)
    rc, out, err = generate("lm.ember", "--prompt-ids", text, "-n", "12", cwd=llama_dir)
    assert rc == 0, err
    assert len(out.splitlines()) == 1 and ids(out) == want
    line, = err.splitlines()
    assert line.startswith(f"prefill: {len(prompt)} tokens in ") and "; decode: 11 tokens in " in line
    assert line.endswith("tok/s)")
    rc, threaded, err = generate("lm.ember", "--prompt-ids", text, "-n", "12", "--threads", "3", cwd=llama_dir)
    assert rc == 0 and ids(threaded) == want, err


def test_sampling_is_seeded(llama_dir):
    args = ["lm.ember", "--prompt-ids", "5,17", "-n", "16", "--temperature", "0.9", "--top-k", "8"]
    runs = [generate(*args, "--seed", s, cwd=llama_dir) for s in (1, 1, 2)]
    assert all(rc == 0 for rc, _, _ in runs), runs
    got = [ids(out) for _, out, _ in runs]
    assert len(got[0]) == 16 and got[0] == got[1] and got[0] != got[2]
    # the draws come from the 8 most likely tokens, never from the whole vocabulary: top-k 1 is greedy
    rc, greedy, _ = generate("lm.ember", "--prompt-ids", "5,17", "-n", "16", cwd=llama_dir)
    rc1, top1, _ = generate(*args[:-1], "1", "--seed", "3", cwd=llama_dir)
    assert rc == rc1 == 0 and ids(top1) == ids(greedy)


@pytest.mark.parametrize("bad, message", [
    (["--prompt-ids", "5,x"], "comma-separated token ids"),
    (["--prompt-ids", "5,-1"], "comma-separated token ids"),
    (["--prompt-ids", ","], "the prompt is empty"),
    (["--prompt-ids", "5", "-n", "0"], "-n 0: must be at least 1"),
    (["--prompt-ids", "5", "-n", "x"], "-n x: must be at least 1"),
    (["--prompt-ids", "5", "--temperature", "-1"], "--temperature -1"),
    (["--prompt-ids", "5", "--temperature", "nan"], "--temperature nan"),
    (["--prompt-ids", "5", "--top-k", "-2"], "--top-k -2"),
    (["--prompt-ids", "5", "--seed", "1.5"], "--seed 1.5"),
    (["--prompt-ids", "5", "--threads", "0"], "--threads 0: must be 1 .. 64"),
    (["--prompt-ids", "5", "--top-k"], "--top-k needs a value"),
    (["--prompt-ids", "5", "--bogus"], "unknown argument '--bogus'"),
    (["-n", "3"], "no --prompt-ids given"),
    # the cache holds 48 positions: read from the KV cache tensors, refused before any run
    (["--prompt-ids", "5", "-n", "60"], "the prompt (1 tokens) and 60 new tokens need 61 cache positions; "
                                        "the program's cache holds 48"),
    # a token id past the vocabulary (64): the library's message, from the run
    (["--prompt-ids", "5,64"], "gather index 64 out of range"),
])
def test_bad_arguments_are_one_line_exit_2(llama_dir, bad, message):
    rc, out, err = generate("lm.ember", *bad, cwd=llama_dir)
    assert rc == 2 and len(err.splitlines()) == 1 and err.startswith("generate: ") and message in err, (rc, err)
    assert out.strip() == ""


def test_not_a_language_model_or_no_program(llama_dir, tmp_path):
    import torch
    from exporter import export_module
    (tmp_path / "mlp.ember").write_bytes(export_module(torch.nn.Linear(4, 2), (torch.zeros(1, 4),)))
    rc, _, err = generate("mlp.ember", "--prompt-ids", "1", cwd=tmp_path)
    assert rc == 2 and len(err.splitlines()) == 1 and "has no 'prefill' method (it has forward)" in err, err
    rc, _, err = generate("missing.ember", "--prompt-ids", "1", cwd=tmp_path)
    assert rc == 1 and err == "generate: cannot open missing.ember\n"
    rc, _, err = generate(str(llama_dir / "lm.py"), "--prompt-ids", "1", cwd=tmp_path)
    assert rc == 1 and len(err.splitlines()) == 1 and "EMBER_ERR_FORMAT" in err, err
    rc, out, _ = generate("--help", cwd=tmp_path)
    assert rc == 0 and out.startswith("usage: generate PROGRAM --prompt-ids")


def test_under_sanitizers(llama_dir):
    """ASan + UBSan (make SANITIZE=1, build/san/): the same greedy ids, no error, no leak;
    sampling and threads too."""
    make("SANITIZE=1", "build/san/generate")
    for prompt in PROMPTS:
        text = ",".join(map(str, prompt))
        _, want, _ = generate("lm.ember", "--prompt-ids", text, "-n", "12", cwd=llama_dir)
        rc, out, err = generate("lm.ember", "--prompt-ids", text, "-n", "12", "--threads", "2", cwd=llama_dir,
                                binary=GENERATE_SAN)
        assert rc == 0 and ids(out) == ids(want), err
        assert "AddressSanitizer" not in err and "runtime error" not in err and "LeakSanitizer" not in err
    rc, out, err = generate("lm.ember", "--prompt-ids", "5,17", "-n", "8", "--temperature", "0.9", "--top-k", "8",
                            cwd=llama_dir, binary=GENERATE_SAN)
    assert rc == 0 and len(ids(out)) == 8, err
    for bad in (["--prompt-ids", "5", "-n", "60"], ["--prompt-ids", "5,x"], ["--prompt-ids", "64"]):
        rc, _, err = generate("lm.ember", *bad, cwd=llama_dir, binary=GENERATE_SAN)
        assert rc == 2 and len(err.splitlines()) == 1, err
