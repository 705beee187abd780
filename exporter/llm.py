"""Language models: the methods `export_methods` takes for a transformers causal LM with a
static KV cache (docs/llm.md).

    from exporter import export_methods
    from exporter.llm import causal_lm_methods
    data = export_methods(causal_lm_methods(model, cache=256, prefill=32))

The model is wrapped as transformers.integrations.executorch does for ExecuTorch (a static
cache of `cache` positions, its buffers the program's state), and called as `ember generate`
expects: token ids (int64, (1, n)) at their cache positions (int64, (n,)) -> logits. `prefill`
takes 1 to `prefill` tokens (one dynamic size), `decode` one.
"""
from __future__ import annotations

import torch

from exporter.options import DynamicDim


class CachedStep(torch.nn.Module):
    """Token ids at their cache positions -> logits, through a static-cache wrapper `w`."""
    def __init__(self, wrapped: torch.nn.Module):
        super().__init__()
        self.w = wrapped

    def forward(self, ids, positions):
        return self.w(input_ids=ids, cache_position=positions)


def cached_step(model, cache: int, batch_size: int = 1) -> CachedStep:
    """`model` (a transformers causal LM) with a static KV cache of `cache` positions."""
    from transformers import GenerationConfig
    from transformers.integrations.executorch import TorchExportableModuleWithStaticCache
    model.eval().generation_config = GenerationConfig(
        use_cache=True, cache_implementation="static", max_length=cache,
        cache_config={"batch_size": batch_size, "max_cache_len": cache})
    return CachedStep(TorchExportableModuleWithStaticCache(model, batch_size=batch_size, max_cache_len=cache)).eval()


def causal_lm_methods(model, cache: int, prefill: int = 32) -> dict:
    """{"prefill": ..., "decode": ...} for export_methods: the model with a static cache of
    `cache` positions; prefill takes 1 to `prefill` tokens, decode one."""
    step = cached_step(model, cache)
    example = min(4, prefill)
    seq = [DynamicDim("seq", 1, prefill, inputs=(0,)), DynamicDim("seq", 0, prefill, inputs=(1,))] \
        if prefill > 1 else []
    return {"prefill": (step.forward, (torch.zeros(1, example, dtype=torch.long), torch.arange(example)), seq),
            "decode": (step.forward, (torch.zeros(1, 1, dtype=torch.long), torch.tensor([example])))}
