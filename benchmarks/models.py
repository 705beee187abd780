"""The benchmark models at deployment sizes, random weights, batch 1.

Each factory returns (model, example_inputs). Batch-norm statistics are set by running
the model in training mode on random inputs first, so activations keep a healthy scale
through the depth (run.py reports each output's standard deviation: a model whose
outputs are ~0 would measure nothing)."""
import torch
import torch.nn as nn


def _settle_bn(model, inputs, steps=4):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None            # cumulative average over the settling batches
    model.train()
    with torch.no_grad():
        for _ in range(steps):
            model(*[torch.randn_like(x) if x.is_floating_point() else x for x in inputs])
    return model.eval()


def _conv_bn(cin, cout, k, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU6()) if act else nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [_conv_bn(cin, hidden, 1)] if expand != 1 else []
        layers += [_conv_bn(hidden, hidden, 3, stride, groups=hidden), _conv_bn(hidden, cout, 1, act=False)]
        self.body, self.residual = nn.Sequential(*layers), stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 1.0 (Sandler et al. 2018), 1000 classes."""
    def __init__(self):
        super().__init__()
        cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
               (6, 320, 1, 1)]
        layers, cin = [_conv_bn(3, 32, 3, 2)], 32
        for t, c, n, s in cfg:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(_conv_bn(cin, 1280, 1))
        self.features, self.classifier = nn.Sequential(*layers), nn.Linear(1280, 1000)

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.down = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        return torch.relu(self.b2(self.c2(y)) + self.down(x))


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for cout, stride in [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)]:
            blocks.append(BasicBlock(cin, cout, stride))
            cin = cout
        self.blocks, self.fc = nn.Sequential(*blocks), nn.Linear(512, 1000)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


class ViT(nn.Module):
    """ViT-Tiny-like: 224x224, patch 16, width 192, 12 layers, 3 heads, MLP 768."""
    def __init__(self, width=192, layers=12, heads=3):
        super().__init__()
        self.patch = nn.Conv2d(3, width, 16, 16)
        self.cls = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 197, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm, self.head = nn.LayerNorm(width), nn.Linear(width, 1000)

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(t.shape[0], -1, -1), t], 1) + self.pos
        return self.head(self.norm(self.encoder(t))[:, 0])


class HF(nn.Module):
    def __init__(self, model, field, **kwargs):
        super().__init__()
        self.model, self.field, self.kwargs = model, field, kwargs

    def forward(self, ids):
        return getattr(self.model(input_ids=ids, **self.kwargs), self.field)


class DSCNN(nn.Module):
    """DS-CNN keyword spotting (Zhang et al. 2017, 'Hello Edge'), 1x49x10 MFCC input, 12 classes."""
    def __init__(self, width=64):
        super().__init__()
        layers = [nn.Conv2d(1, width, (10, 4), (2, 2), (5, 1), bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        for _ in range(4):
            layers += [nn.Conv2d(width, width, 3, 1, 1, groups=width, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                       nn.Conv2d(width, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        self.features, self.fc = nn.Sequential(*layers), nn.Linear(width, 12)

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))


def _cnn(cls, shape):
    """A CNN with settled batch-norm statistics, and its example input."""
    torch.manual_seed(0)
    x = torch.randn(*shape)
    return _settle_bn(cls(), (x,)), (x,)


def mobilenet_v2():
    return _cnn(MobileNetV2, (1, 3, 224, 224))


def resnet18():
    return _cnn(ResNet18, (1, 3, 224, 224))


def vit_tiny():
    torch.manual_seed(0)
    return ViT().eval(), (torch.randn(1, 3, 224, 224),)


def bert_mini():
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                     intermediate_size=1024, max_position_embeddings=512, attn_implementation="eager")
    return HF(BertModel(cfg), "last_hidden_state").eval(), (torch.randint(0, 30522, (1, 128)),)


def gpt_decoder():
    from transformers import GPT2Config, GPT2Model
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=32000, n_embd=512, n_layer=6, n_head=8, n_positions=512,
                     bos_token_id=0, eos_token_id=0, attn_implementation="eager")
    return HF(GPT2Model(cfg), "last_hidden_state", use_cache=False).eval(), (torch.randint(0, 32000, (1, 128)),)


def ds_cnn():
    return _cnn(DSCNN, (1, 1, 49, 10))


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10)).eval(), (torch.randn(1, 784),)


MODELS = {"mobilenet_v2": mobilenet_v2, "resnet18": resnet18, "vit_tiny": vit_tiny, "bert_mini": bert_mini,
          "gpt_decoder": gpt_decoder, "ds_cnn": ds_cnn, "mlp": mlp}
