"""A grammar of small models for the randomized export test (tests/test_random_models.py).

`build(seed)` draws an input shape and dtype, then a chain of 2-6 layers, each picked
among those the current tensor admits (rank, sizes, dtype), with random parameters: the
result is an nn.Module and its example inputs. Every draw is reproducible from its seed,
and `describe` names the chain for a failure message."""
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

UNARY = {
    "relu": torch.relu, "gelu": F.gelu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "abs": torch.abs,
    "neg": torch.neg, "sin": torch.sin, "cos": torch.cos, "floor": torch.floor, "silu": F.silu,
    "softplus": F.softplus, "elu": F.elu, "leaky_relu": lambda x: F.leaky_relu(x, 0.1), "hardswish": F.hardswish,
    "exp": lambda x: torch.exp(x.clamp(-8, 8)), "log1p_abs": lambda x: torch.log1p(x.abs()),
    "sqrt_abs": lambda x: torch.sqrt(x.abs() + 0.1), "atan": torch.atan, "round": torch.round,
    "sign": torch.sign, "square": lambda x: x * x, "reciprocal": lambda x: 1 / (x.abs() + 0.5),
}
BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "max": torch.maximum, "min": torch.minimum,
          "div": lambda a, b: a / (b.abs() + 0.5), "atan2": torch.atan2,
          "fmod": lambda a, b: torch.fmod(a, b.abs() + 0.5),
          "remainder": lambda a, b: torch.remainder(a, b.abs() + 0.5)}


class Chain(nn.Module):
    """Layers applied in order; a layer is (name, module or None, fn(module, x) -> x)."""

    def __init__(self, steps):
        super().__init__()
        self.names = [name for name, _, _ in steps]
        self.mods = nn.ModuleList([m if m is not None else nn.Identity() for _, m, _ in steps])
        self.fns = [fn for _, _, fn in steps]

    def forward(self, x):
        for mod, fn in zip(self.mods, self.fns):
            x = fn(mod, x)
        return x


def _float_steps(rng, shape):
    """(name, weight, choice) of the layers a float tensor of `shape` admits."""
    rank, last = len(shape), shape[-1]
    opts = [("unary", 6), ("binary_const", 3), ("binary_self", 2), ("reduce", 2), ("softmax", 1), ("permute", 1),
            ("slice", 2), ("concat", 1), ("linear", 3), ("layer_norm", 1), ("cumsum", 1), ("flip", 1), ("topk", 1),
            ("argmax", 1), ("where", 1), ("pad", 1), ("gather", 1), ("flatten", 1)]
    if rank == 4 and min(shape[2:]) >= 3:
        opts += [("conv2d", 4), ("pool", 2), ("batch_norm", 1), ("upsample", 1)]
    if rank == 3 and shape[-1] >= 3:
        opts += [("conv1d", 2)]
    if rank < 2:
        opts = [o for o in opts if o[0] not in ("permute", "flatten")]
    names, weights = zip(*opts)
    return rng.choices(names, weights)[0], rank, last


# Layers with jumps (floor, round, sign, remainder...): only applied to the exact input,
# where eager and Ember see the same bits (later, float rounding differences in earlier
# layers could move a value across a jump).
STEPPED = {"floor", "round", "sign", "fmod", "remainder"}


def _int_layer(rng, shape):
    """Integer (int64) layers, exact in every runtime."""
    dim = rng.randrange(len(shape))
    kind = rng.choice(["arith", "mod", "sum", "cumsum", "flip", "max", "neg_abs"])
    if kind == "arith":
        a, b = rng.randrange(-3, 4), rng.randrange(-5, 6)
        return f"{a}*x+{b}", None, lambda m, x: x * a + b
    if kind == "mod":
        d, fn = rng.randrange(1, 7), rng.choice(["remainder", "fmod"])
        return f"{fn}(x, {d})", None, lambda m, x: getattr(torch, fn)(x, d)
    if kind == "sum":
        return f"sum({dim}, keepdim)", None, lambda m, x: x.sum(dim, keepdim=True)
    if kind == "cumsum":
        return f"cumsum({dim})", None, lambda m, x: x.cumsum(dim)
    if kind == "flip":
        return f"flip({dim})", None, lambda m, x: x.flip(dim)
    if kind == "max":
        return f"amax({dim}, keepdim)", None, lambda m, x: x.amax(dim, keepdim=True)
    return "abs(-x)", None, lambda m, x: torch.abs(-x)


def _pick_layer(rng, shape, first):
    kind, rank, last = _float_steps(rng, shape)
    dim = rng.randrange(rank)
    if kind == "unary":
        name = rng.choice(sorted(n for n in UNARY if first or n not in STEPPED))
        return f"{name}", None, lambda m, x, f=UNARY[name]: f(x)
    if kind == "binary_const":
        name = rng.choice(sorted(n for n in BINARY if first or n not in STEPPED))
        const = torch.randn([1] * rng.randrange(rank) + list(shape[rng.randrange(rank):]))
        return f"{name}(x, const{list(const.shape)})", None, lambda m, x, f=BINARY[name], c=const: f(x, c)
    if kind == "binary_self":
        name = rng.choice(sorted(n for n in BINARY if first or n not in STEPPED))
        return f"{name}(x, relu(x))", None, lambda m, x, f=BINARY[name]: f(x, torch.relu(x))
    if kind == "reduce":
        name, keep = rng.choice(["sum", "mean", "amax", "amin", "prod", "var"]), rng.random() < 0.5
        fns = {"sum": torch.sum, "mean": torch.mean, "amax": torch.amax, "amin": torch.amin,
               "prod": lambda x, dim, keepdim: torch.prod(x.clamp(-1.5, 1.5), dim, keepdim),
               "var": lambda x, dim, keepdim: torch.var(x, dim, keepdim=keepdim)}
        if shape[dim] < 2 and name == "var":
            name = "sum"
        if rank == 1 and not keep:
            keep = True
        return f"{name}(dim={dim}, keepdim={keep})", None, lambda m, x, f=fns[name]: f(x, dim, keepdim=keep)
    if kind == "softmax":
        return f"softmax({dim})", None, lambda m, x: torch.softmax(x, dim)
    if kind == "permute":
        perm = list(range(rank))
        rng.shuffle(perm)
        return f"permute{perm}", None, lambda m, x: x.permute(perm)
    if kind == "slice":
        n = shape[dim]
        start, step = rng.randrange(n), rng.choice([1, 1, 2, 3])
        return f"slice(dim={dim}, {start}::{step})", None, \
            lambda m, x: x[(slice(None),) * dim + (slice(start, None, step),)]
    if kind == "concat":
        return f"cat([x, 2x], {dim})", None, lambda m, x: torch.cat([x, 2 * x], dim)
    if kind == "linear":
        out = rng.choice([1, 3, 8, 17])
        return f"Linear({last}, {out})", nn.Linear(last, out, bias=rng.random() < 0.7), lambda m, x: m(x)
    if kind == "layer_norm":
        return f"LayerNorm({last})", nn.LayerNorm(last), lambda m, x: m(x)
    if kind == "cumsum":
        return f"cumsum({dim})", None, lambda m, x: torch.cumsum(x, dim)
    if kind == "flip":
        return f"flip({dim})", None, lambda m, x: torch.flip(x, (dim,))
    if kind == "topk":
        k = rng.randrange(shape[dim] + 1)
        return f"topk({k}, dim={dim}).values", None, lambda m, x: torch.topk(x, k, dim).values
    if kind == "argmax" and first:
        return f"onehot(argmax({dim}))", None, \
            lambda m, x: (torch.arange(x.shape[dim]).view([-1] + [1] * (rank - 1 - dim)) ==
                          x.argmax(dim, keepdim=True)).float()
    if kind == "where":
        return "where(x > 0, x, 0.5x)", None, lambda m, x: torch.where(x > 0, x, 0.5 * x)
    if kind in ("pad", "argmax"):
        p = [rng.randrange(3), rng.randrange(3)]
        mode = rng.choice(["constant", "reflect", "replicate"]) if rank in (2, 3) and last > max(p) else "constant"
        return f"pad({p}, {mode})", None, lambda m, x: F.pad(x, p, mode=mode)
    if kind == "gather":
        idx = torch.randint(0, shape[dim], list(shape))
        return f"gather(dim={dim})", None, lambda m, x, i=idx: torch.gather(x, dim, i)
    if kind == "flatten":
        return "flatten(1)", None, lambda m, x: torch.flatten(x, 1)
    if kind == "conv2d":
        c, k = shape[1], rng.choice([1, 3])
        groups = rng.choice([g for g in (1, c) if c % g == 0])
        out = groups * rng.choice([1, 2]) if groups > 1 else rng.choice([2, 4, 8])
        conv = nn.Conv2d(c, out, k, stride=rng.choice([1, 2]), padding=rng.randrange(k // 2 + 1), groups=groups)
        return f"Conv2d({c}, {out}, {k}, groups={groups})", conv, lambda m, x: m(x)
    if kind == "conv1d":
        conv = nn.ConvTranspose1d(shape[1], 3, 3, stride=2) if rng.random() < 0.3 else nn.Conv1d(shape[1], 4, 3)
        return type(conv).__name__, conv, lambda m, x: m(x)
    if kind == "pool":
        pool = rng.choice([nn.MaxPool2d(2), nn.AvgPool2d(3, 1, 1), nn.AdaptiveAvgPool2d(1)])
        return type(pool).__name__, pool, lambda m, x: m(x)
    if kind == "batch_norm":
        bn = nn.BatchNorm2d(shape[1])
        with torch.no_grad():
            bn.running_mean.normal_()
            bn.running_var.uniform_(0.5, 2)
        return "BatchNorm2d", bn, lambda m, x: m(x)
    if kind == "upsample":
        mode = rng.choice(["nearest", "bilinear"])
        return f"upsample({mode})", None, lambda m, x: F.interpolate(x, scale_factor=2, mode=mode)
    raise AssertionError(kind)


def _input(rng, seed):
    rank = rng.choice([1, 2, 3, 4, 4])
    shape = [rng.choice([1, 2, 3, 5, 8, 17]) for _ in range(rank)]
    generator = torch.Generator().manual_seed(seed + 1)
    if rng.random() < 0.2:
        return torch.randint(-20, 20, shape, generator=generator), "int64"
    return torch.randn(shape, generator=generator), "float32"


def build(seed):
    """(model, inputs, description) of draw `seed`: an int64 input takes 1-2 integer
    layers, then a conversion to float; then 2-6 float layers."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    x, dtype = _input(rng, seed)
    inputs = (x.clone(),)
    steps = []
    if dtype == "int64":
        steps = [_int_layer(rng, list(x.shape)) for _ in range(rng.randrange(1, 3))]
        steps.append(("float()/4", None, lambda m, x: x.float() / 4))
        for _, _, fn in steps:
            x = fn(None, x)
    for _ in range(rng.randrange(2, 7)):
        name, mod, fn = _pick_layer(rng, list(x.shape), first=not steps)
        with torch.no_grad():
            y = fn(mod.eval() if mod is not None else None, x)
        if y.numel() == 0 or y.numel() > 100_000 or not 0 < y.dim() <= 6:
            continue
        steps.append((name, mod, fn))
        x = y
    if not steps:
        steps.append(("relu", None, lambda m, x: torch.relu(x)))
    model = Chain(steps).eval()
    return model, inputs, f"seed {seed}: {dtype} input {list(inputs[0].shape)} -> " + " -> ".join(model.names)
