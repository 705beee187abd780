"""`ember generate`: text generation from a program with `prefill` and `decode` methods.

The program's convention (what an export of a static-cache language model gives, see
docs/llm.md): both methods take token ids (INT64, (1, n)) and their cache positions (INT64,
(n,)) and return logits (FLOAT32, (1, n, vocab)); `prefill` takes P tokens (a fixed number, or any number up to P),
`decode` one; the KV cache is program state. The prompt goes in through prefill P tokens at a
time (a prefill exported with a dynamic length up to P also takes the last, shorter chunk),
any remainder through decode one token at a time (no padding reaches the cache); then
each new token comes from decode: the most likely one (greedy), or drawn from the top-k
logits at a temperature with a seeded generator.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np


class GenerateError(Exception):
    pass


@dataclass
class Generation:
    tokens: list = field(default_factory=list)     # the generated ids (not the prompt)
    prefill_tokens: int = 0
    prefill_seconds: float = 0.0
    decode_tokens: int = 0
    decode_seconds: float = 0.0

    def rates(self) -> str:
        def rate(n, s):
            return f"{n / s:,.1f} tok/s" if s > 0 and n else "n/a"
        return (f"prefill: {self.prefill_tokens} tokens in {self.prefill_seconds * 1e3:.1f} ms "
                f"({rate(self.prefill_tokens, self.prefill_seconds)}); decode: {self.decode_tokens} tokens in "
                f"{self.decode_seconds * 1e3:.1f} ms ({rate(self.decode_tokens, self.decode_seconds)})")


def _method_sizes(described) -> tuple:
    """(prefill length P, whether prefill takes any length up to P, cache length or None) from
    the methods' declared inputs."""
    methods = described.methods
    for name in ("prefill", "decode"):
        if name not in methods:
            raise GenerateError(f"the program has no '{name}' method (it has {', '.join(sorted(methods))}): "
                                f"export a language model with prefill and decode methods (docs/llm.md)")
    shapes = {}
    for name in ("prefill", "decode"):
        ins = methods[name].inputs
        if len(ins) != 2 or ins[0]["dtype"] != "int64" or len(ins[0]["shape"]) != 2:
            raise GenerateError(f"method '{name}' must take (ids int64[1, n], positions int64[n]); it takes "
                                + ", ".join(f"{d['dtype']}{d['shape']}" for d in ins))
        shapes[name] = ins[0]["shape"][1]
    if shapes["decode"] != 1:
        raise GenerateError(f"decode must take one token (it takes {shapes['decode']})")
    prefill, dynamic = shapes["prefill"], not isinstance(shapes["prefill"], int)
    if dynamic:          # a dynamic prompt length: its exported maximum
        prefill = next((hi for name, _, hi in methods["prefill"].symbols if name == prefill), None)
        if prefill is None:
            raise GenerateError(f"prefill's length '{shapes['prefill']}' is not a plain dynamic size")
    cache = max((s["shape"][2] for s in described.state_tensors if len(s["shape"]) == 4), default=None)
    return prefill, dynamic, cache


def _pick(logits, temperature, top_k, rng) -> int:
    if temperature <= 0:
        return int(np.argmax(logits))
    z = logits.astype(np.float64) / temperature
    if top_k and top_k < z.size:
        cut = np.partition(z, -top_k)[-top_k]
        z = np.where(z >= cut, z, -np.inf)
    p = np.exp(z - z.max())
    return int(rng.choice(z.size, p=p / p.sum()))


def generate(program, described, prompt, n, temperature=0.0, top_k=0, seed=0, on_token=None) -> Generation:
    """`n` new tokens after `prompt` (a list of ids). `program` runs the methods (either
    runtime); `described` is the Python runtime's view of the same file (shapes, state)."""
    prefill_len, dynamic, cache = _method_sizes(described)
    if not prompt:
        raise GenerateError("the prompt is empty: give at least one token id")
    if cache is not None and len(prompt) + n > cache:
        raise GenerateError(f"the prompt ({len(prompt)} tokens) and {n} new tokens need {len(prompt) + n} cache "
                            f"positions; the program's cache holds {cache}")
    program.reset_state()
    rng = np.random.default_rng(seed)
    out = Generation()

    def step(method, ids, first):
        return program.run(method, np.array([ids], np.int64), np.arange(first, first + len(ids), dtype=np.int64))[0]

    t0 = time.perf_counter()
    full = len(prompt) if dynamic else len(prompt) - len(prompt) % prefill_len
    logits = None
    for at in range(0, full, prefill_len):
        logits = step("prefill", prompt[at:at + prefill_len], at)
    for at in range(full, len(prompt)):
        logits = step("decode", prompt[at:at + 1], at)
    out.prefill_tokens, out.prefill_seconds = len(prompt), time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(n):
        token = _pick(logits[0, -1], temperature, top_k, rng)
        out.tokens.append(token)
        if on_token is not None:
            on_token(token)
        if i + 1 < n:
            logits = step("decode", [token], len(prompt) + i)
    out.decode_tokens, out.decode_seconds = max(n - 1, 0), time.perf_counter() - t0
    return out
