"""Core ATen coverage: every overload torch.export decomposes models into (`torch.Tag.core`)
is lowered (registry.py), excluded here with its reason, or listed as not lowered yet.
tests/test_coverage.py fails when a torch release brings a core overload this file does not
account for, so a new op shows up as a decision to make, not as a user's surprise.

    python -m exporter.frontends.torch.coverage            # the counts, then each list
    python -m exporter.frontends.torch.coverage --counts   # the counts only
"""
from __future__ import annotations

import sys

import torch

_BACKWARD = "a backward (training) op: an inference graph never has it"
_RANDOM = "random numbers: an inference program is deterministic"
_SYMBOLIC = "shape arithmetic: sizes come from the graph's metadata, not from an op"

# Overloads Ember does not lower, on purpose. (Asked of the exporter, each is reported with
# this reason and the user's source line.)
EXCLUDED = {
    "aten._adaptive_avg_pool2d_backward.default": _BACKWARD,
    "aten.avg_pool2d_backward.default": _BACKWARD,
    "aten.convolution_backward.default": _BACKWARD,
    "aten.embedding_dense_backward.default": _BACKWARD,
    "aten.max_pool2d_with_indices_backward.default": _BACKWARD,
    "aten.native_group_norm_backward.default": _BACKWARD,
    "aten.native_layer_norm_backward.default": _BACKWARD,
    "aten.rand.default": _RANDOM,
    "aten.randn.default": _RANDOM,
    "aten.randperm.default": _RANDOM,
    "aten.native_dropout.default": _RANDOM + " (dropout in eval mode is no op at all)",
    "aten.sym_numel.default": _SYMBOLIC,
    "aten.sym_storage_offset.default": _SYMBOLIC,
    "aten.sym_stride.int": _SYMBOLIC,
    "aten.sym_is_contiguous.default": _SYMBOLIC,
    "aten.resize_.default": "resizes a tensor's storage in place: no inference graph needs it",
    "aten._local_scalar_dense.default": "a tensor read back as a Python number (.item()): the graph would "
                                        "depend on the data",
    "aten.nonzero.default": "an output whose size depends on the data",
    "aten._native_batch_norm_legit.default": "batch norm with batch statistics (training mode): call "
                                             "model.eval()",
    "aten._fft_r2c.default": "complex numbers are not in the Ember format",
    "aten._fft_c2r.default": "complex numbers are not in the Ember format",
}


def core_overloads() -> list:
    """Every aten overload registered with the dispatcher and tagged core in this torch, by
    name (torch.ops.aten's attributes appear as they are first used: not a stable list)."""
    found = set()
    for qualified in torch._C._dispatch_get_all_op_names():
        if not qualified.startswith("aten::"):
            continue
        base, _, overload = qualified[len("aten::"):].partition(".")
        packet = getattr(torch.ops.aten, base, None)
        op = getattr(packet, overload or "default", None) if packet is not None else None
        if op is not None and torch.Tag.core in op.tags:
            found.add(op)
    return sorted(found, key=str)


def classify() -> dict:
    """{"lowered": [...], "excluded": [...], "not yet": [...]} of the core overloads' names."""
    from exporter.frontends.torch import registry
    out = {"lowered": [], "excluded": [], "not yet": []}
    for op in core_overloads():
        kind = ("lowered" if op in registry.LOWERINGS or op in registry.SKIP
                else "excluded" if str(op) in EXCLUDED else "not yet")
        out[kind].append(str(op))
    return out


def main(argv) -> int:
    groups = classify()
    total = sum(len(v) for v in groups.values())
    print(f"Core ATen overloads (torch {torch.__version__.split('+')[0]}): {len(groups['lowered'])} lowered, "
          f"{len(groups['excluded'])} excluded, {len(groups['not yet'])} not yet, of {total}")
    if "--counts" not in argv:
        for kind in ("not yet", "excluded"):
            print(f"\n{kind}:")
            for name in groups[kind]:
                print(f"  {name}" + (f": {EXCLUDED[name]}" if kind == "excluded" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
