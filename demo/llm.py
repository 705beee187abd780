"""`make demo-llm`: train a tiny character-level Llama on a license text that ships with
Debian (/usr/share/common-licenses/GPL-3) for about a minute, export it with a static KV cache
(a prefill of up to 32 characters and a one-character decode sharing the cache), and generate
text from a prompt in the Python and the C runtime, float and with int8 linear weights. The
generated text should read like the license: the program is the model, token for token.

    python demo/llm.py [--seconds 60] [--out demo/out]
"""
import argparse
import copy
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TEXT = "/usr/share/common-licenses/GPL-3"
CACHE, PREFILL, WINDOW = 192, 32, 48


def corpus(path=TEXT):
    if not os.path.isfile(path):
        raise SystemExit(f"{path} is missing (Debian's base-files ships it): give another text with --text")
    text = open(path, encoding="utf-8", errors="replace").read()
    chars = sorted(set(text))
    return text, chars


def llama(vocab):
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(vocab_size=vocab, hidden_size=64, intermediate_size=192,
                                        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                        max_position_embeddings=CACHE, tie_word_embeddings=False))


def train(model, ids, seconds, log=print):
    """Next-character prediction on random windows, AdamW, until `seconds` have passed."""
    torch.manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    data = torch.tensor(ids)
    model.train()
    t0, step, loss = time.perf_counter(), 0, float("nan")
    while time.perf_counter() - t0 < seconds:
        starts = torch.randint(0, len(data) - WINDOW, (24,))
        batch = torch.stack([data[s:s + WINDOW] for s in starts.tolist()])
        out = model(input_ids=batch, labels=batch)        # transformers shifts the labels itself
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        step, loss = step + 1, float(out.loss.detach())
        if step % 100 == 0:
            log(f"  step {step}: loss {loss:.3f} ({time.perf_counter() - t0:.0f}s)")
    model.eval()
    return step, loss


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=90.0, help="training time (default 90)")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--text", default=TEXT)
    ap.add_argument("--prompt", default="This License ")
    ap.add_argument("-n", type=int, default=160, help="characters to generate")
    args = ap.parse_args(argv)
    import runtime_py
    from ember.generate import generate
    from exporter import export_methods
    from exporter.llm import causal_lm_methods

    text, chars = corpus(args.text)
    index = {c: i for i, c in enumerate(chars)}
    print(f"== 1. train a character-level Llama on {args.text} ({len(text):,} characters, {len(chars)} distinct) "
          f"for {args.seconds:.0f}s")
    model = llama(len(chars))
    steps, loss = train(model, [index[c] for c in text], args.seconds)
    print(f"  {steps} steps, final loss {loss:.3f}")

    os.makedirs(args.out, exist_ok=True)
    prompt = [index[c] for c in args.prompt if c in index]
    programs = {}
    for label, quantize in (("float", None), ("int8 weights", "int8-weight-only")):
        print(f"\n== 2. export ({label}): prefill of up to {PREFILL} characters, decode one, a {CACHE}-position cache")
        data = export_methods(causal_lm_methods(copy.deepcopy(model), CACHE, PREFILL), bundle_test=False,
                              quantize=quantize)
        path = os.path.join(args.out, "llm.ember" if quantize is None else "llm_int8.ember")
        with open(path, "wb") as f:
            f.write(data)
        programs[label] = path
        print(f"  wrote {os.path.relpath(path, ROOT)} ({len(data):,} bytes)")
    with open(os.path.join(args.out, "llm_chars.json"), "w") as f:
        json.dump(chars, f)

    print(f"\n== 3. generate {args.n} characters after {args.prompt!r} (sampled: temperature 0.7, top 8, seed 0)")
    texts = {}
    for label, path in programs.items():
        described = runtime_py.load(path)
        for backend in ("py", "c"):
            program = described if backend == "py" else runtime_py.load(path, backend="c")
            result = generate(program, described, prompt, args.n, temperature=0.7, top_k=8, seed=0)
            greedy = generate(program, described, prompt, 64)
            texts[(label, backend)] = [t for t in greedy.tokens]
            print(f"\n[{label}, {backend} runtime] {result.rates()}\n"
                  f"{args.prompt}{''.join(chars[t] for t in result.tokens)}")
    same = texts[("float", "py")] == texts[("float", "c")]
    print(f"\nfloat, greedy: the Python and C runtimes generate {'the same' if same else 'DIFFERENT'} 64 characters")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
