"""The torch front end's registry: one lowering function per ATen overload.

A lowering function takes (ctx, *aten args, **aten kwargs), where ctx is the
Lowering context (context.py), and returns the IR tensor name(s) of its result."""
import torch

from exporter.frontends import registrar

aten = torch.ops.aten

LOWERINGS: dict = {}
# Nodes that carry no computation: checks and size queries (shapes come from metadata).
SKIP = {aten._assert_tensor_metadata.default, aten.sym_size.int,
        aten._assert_scalar.default, aten.sym_constrain_range_for_size.default}
lowers = registrar(LOWERINGS)      # @lowers(aten.op.overload, ...)

