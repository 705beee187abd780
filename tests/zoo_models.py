"""The model zoo: small versions of the architectures people deploy.

Each entry is a factory returning (model, example_inputs) with fixed seeds, plus
an optional dynamic-size spec for export. Sizes are small so the suite stays fast.
"""
from __future__ import annotations

import functools
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _bn_stats(model):
    """Give batch norms non-trivial running statistics so folding is really tested."""
    g = torch.Generator().manual_seed(123)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
    return model.eval()


def mlp():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 5))
    return m.eval(), (torch.randn(4, 20),)


class SmallCNN(nn.Module):
    def __init__(self, width=1):
        super().__init__()
        a, b = 8 * width, 16 * width
        self.features = nn.Sequential(
            nn.Conv2d(3, a, 3, padding=1), nn.BatchNorm2d(a), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(b * 4 * 4, 10)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


def cnn(width=1):
    torch.manual_seed(0)
    return _bn_stats(SmallCNN(width)), (torch.randn(2, 3, 16, 16),)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.block = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU6(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_res else y


class MobileNetV2Tiny(nn.Module):
    def __init__(self, classes=10, width=1):
        super().__init__()
        c16, c24, c32, c64 = 16 * width, 24 * width, 32 * width, 64 * width
        self.stem = nn.Sequential(nn.Conv2d(3, c16, 3, 2, 1, bias=False), nn.BatchNorm2d(c16), nn.ReLU6())
        self.blocks = nn.Sequential(InvertedResidual(c16, c16, 1, 1), InvertedResidual(c16, c24, 2, 4),
                                    InvertedResidual(c24, c24, 1, 4), InvertedResidual(c24, c32, 2, 4))
        self.head = nn.Sequential(nn.Conv2d(c32, c64, 1, bias=False), nn.BatchNorm2d(c64), nn.ReLU6())
        self.fc = nn.Linear(c64, classes)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def mobilenet_v2(width=1):
    torch.manual_seed(0)
    return _bn_stats(MobileNetV2Tiny(width=width)), (torch.randn(2, 3, 32, 32),)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNetTiny(nn.Module):
    def __init__(self, width=1):
        super().__init__()
        c16, c32 = 16 * width, 32 * width
        self.stem = nn.Sequential(nn.Conv2d(3, c16, 3, 1, 1, bias=False), nn.BatchNorm2d(c16), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        self.layers = nn.Sequential(BasicBlock(c16, c16, 1), BasicBlock(c16, c32, 2), BasicBlock(c32, c32, 1))
        self.fc = nn.Linear(c32, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.layers(self.stem(x)), (1, 1)), 1))


def resnet(width=1):
    torch.manual_seed(0)
    return _bn_stats(ResNetTiny(width)), (torch.randn(2, 3, 32, 32),)


def transformer_encoder():
    torch.manual_seed(0)
    m = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
    return m.eval(), (torch.randn(2, 10, 32),)


class MultiHeadAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.dim = heads, dim
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, causal=False):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=-1)
        # (b, heads, t, head_dim)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        if causal:
            mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
            att = att.masked_fill(mask, float("-inf"))
        y = torch.softmax(att, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class HandEncoder(nn.Module):
    """Pre-norm encoder: hand-written attention, layer norm, GELU MLP."""

    def __init__(self, dim=32, heads=4, layers=2):
        super().__init__()
        self.ln1 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.attn = nn.ModuleList(MultiHeadAttention(dim, heads) for _ in range(layers))
        self.ln2 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.mlp = nn.ModuleList(nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
                                 for _ in range(layers))

    def forward(self, x):
        for ln1, attn, ln2, mlp in zip(self.ln1, self.attn, self.ln2, self.mlp):
            x = x + attn(ln1(x))
            x = x + mlp(ln2(x))
        return x


def hand_encoder():
    torch.manual_seed(0)
    return HandEncoder().eval(), (torch.randn(2, 12, 32),)


class GPTBlock(nn.Module):
    def __init__(self, vocab=50, dim=32, heads=4, max_len=16):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(max_len, dim)
        self.ln1, self.ln2, self.ln_f = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"), nn.Linear(4 * dim, dim))
        self.head = nn.Linear(dim, vocab, bias=False)
        self.heads = heads

    def forward(self, idx):
        b, t = idx.shape
        x = self.tok(idx) + self.pos(torch.arange(t))
        h = self.ln1(x)
        q, k, v = self.qkv(h).split(x.shape[-1], dim=-1)
        q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, -1))
        x = x + self.mlp(self.ln2(x))
        return self.head(self.ln_f(x))


def gpt_block():
    torch.manual_seed(0)
    return GPTBlock().eval(), (torch.randint(0, 50, (2, 9)),)


class AudioFrontEnd(nn.Module):
    """1-D conv feature extractor over raw audio, then a classifier (keyword spotting)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(1, 8, 9, stride=4, padding=4), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Conv1d(8, 16, 5, stride=2, padding=2), nn.BatchNorm1d(16), nn.ReLU(),
            nn.Conv1d(16, 16, 3, padding=2, dilation=2), nn.ReLU())
        self.fc = nn.Linear(16, 6)

    def forward(self, wave):
        return self.fc(self.net(wave).mean(dim=-1))


def audio():
    torch.manual_seed(0)
    return _bn_stats(AudioFrontEnd()), (torch.randn(2, 1, 400),)


class Recurrent(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(10, 24, batch_first=True, num_layers=2)
        self.fc = nn.Linear(24, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


def lstm():
    torch.manual_seed(0)
    return Recurrent(nn.LSTM).eval(), (torch.randn(2, 7, 10),)


def gru():
    torch.manual_seed(0)
    return Recurrent(nn.GRU).eval(), (torch.randn(2, 7, 10),)


class UNetBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.enc2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.dec_bilinear = nn.Conv2d(16 + 8, 8, 3, padding=1)
        self.dec_nearest = nn.Conv2d(16 + 8, 8, 3)
        self.out = nn.Conv2d(16, 2, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        up_b = F.interpolate(e2, scale_factor=2, mode="bilinear", align_corners=False)
        up_n = F.interpolate(e2, scale_factor=2, mode="nearest")
        a = F.relu(self.dec_bilinear(torch.cat([up_b, e1], dim=1)))
        b = F.relu(self.dec_nearest(F.pad(torch.cat([up_n, e1], dim=1), (1, 1, 1, 1))))
        return self.out(torch.cat([a, b], dim=1))


def unet():
    torch.manual_seed(0)
    return UNetBlock().eval(), (torch.randn(1, 3, 16, 12),)


class HFWrapper(nn.Module):
    def __init__(self, model, field):
        super().__init__()
        self.model, self.field = model, field

    def forward(self, ids):
        out = self.model(input_ids=ids) if self.field == "last_hidden_state" else \
            self.model(input_ids=ids, use_cache=False)
        return getattr(out, self.field)


def hf_bert():
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=32)
    return HFWrapper(BertModel(cfg), "last_hidden_state").eval(), (torch.randint(0, 100, (2, 8)),)


def hf_gpt2():
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=2, n_positions=32,
                     bos_token_id=0, eos_token_id=0, attn_implementation="eager")
    return HFWrapper(GPT2LMHeadModel(cfg), "logits").eval(), (torch.randint(0, 100, (2, 8)),)


class Elementwise(nn.Module):
    """Broadcasting elementwise ops on a 61,440-element tensor: large enough that the C
    runtime splits them over threads (rows, and long rows in pieces)."""
    def __init__(self):
        super().__init__()
        self.b = nn.Parameter(torch.randn(1, 32, 1, 1))
        self.s = nn.Parameter(torch.randn(1, 1, 1, 48))
        self.t = nn.Parameter(torch.randn(32 * 40 * 48))

    def forward(self, x):
        y = (x + self.b) * self.s
        z = torch.where(x > 0, y, y * 0.5)
        w = torch.maximum(z, -x) - torch.minimum(x, y) / (1.0 + x * x)
        v = x.reshape(-1) * self.t                 # one row of 61,440: split in pieces
        return w + torch.relu(x) + v.reshape(x.shape)


def elementwise():
    torch.manual_seed(0)
    return Elementwise().eval(), (torch.randn(1, 32, 40, 48),)


ZOO = {
    "mlp": mlp, "cnn": cnn, "mobilenet_v2": mobilenet_v2, "resnet": resnet,
    "transformer_encoder": transformer_encoder, "hand_encoder": hand_encoder,
    "gpt_block": gpt_block, "audio": audio, "lstm": lstm, "gru": gru, "unet": unet,
    "hf_bert": hf_bert, "hf_gpt2": hf_gpt2, "elementwise": elementwise,
}


@functools.cache
def exported(name):
    """(model, inputs, program bytes) of a zoo model, exported once per test session."""
    from exporter import export_module
    model, inputs = ZOO[name]()
    model = model.eval()
    return model, inputs, export_module(model, tuple(inputs))


def calibration_batches(inputs, n=4, seed=1):
    """`n` batches from the test inputs' distribution (standard normal floats; integer
    inputs such as token ids are reused as they are)."""
    g = torch.Generator().manual_seed(seed)
    return [[torch.randn(t.shape, generator=g) if t.is_floating_point() else t for t in inputs]
            for _ in range(n)]


@functools.cache
def exported_int8(name, width=1, bundle_test=True):
    """(model, inputs, program bytes) of a zoo model in static int8, calibrated on
    calibration_batches(inputs)."""
    from exporter import export_module
    model, inputs = ZOO[name](width=width) if width != 1 else ZOO[name]()
    model = model.eval()
    data = export_module(model, tuple(inputs), quantize="int8", calibration=calibration_batches(inputs),
                         bundle_test=bundle_test)
    return model, inputs, data
