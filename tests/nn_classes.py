"""Every layer class of torch.nn: how the sweep (tests/test_nn_sweep.py) builds and feeds it,
or why it is not an inference layer Ember exports.

LAYERS maps a class name to a function returning (module, example inputs[, tolerance]);
NOT_LAYERS maps the others to the reason. tests/test_nn_sweep.py requires the two to
cover every nn.Module subclass torch.nn exports, so a new PyTorch release that adds a
class fails loudly until it is placed here."""
import torch
import torch.nn as nn


def r(*shape):
    return torch.randn(*shape)


def _bn(cls, c, shape):
    m = cls(c)
    with torch.no_grad():
        m.running_mean.normal_()
        m.running_var.uniform_(0.5, 2)
        m.weight.normal_()
        m.bias.normal_()
    return m, (r(*shape),)


def _rnn(cls, **kw):
    return lambda: (cls(5, 7, **kw), (r(4, 3, 5),))


def _cell(cls):
    return lambda: (cls(5, 7), (r(3, 5), r(3, 7)) if cls is not nn.LSTMCell else (r(3, 5),))


def _mha():
    return nn.MultiheadAttention(16, 4, batch_first=True), (r(2, 5, 16), r(2, 7, 16), r(2, 7, 16))


def _encoder_layer():
    return nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True)


def _decoder_layer():
    return nn.TransformerDecoderLayer(16, 4, 32, dropout=0.0, batch_first=True)


class _Unpool(nn.Module):
    """MaxUnpool needs MaxPool's indices: pool then unpool."""

    def __init__(self, dims):
        super().__init__()
        self.pool = [nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d][dims - 1](2, return_indices=True)
        self.unpool = [nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d][dims - 1](2)

    def forward(self, x):
        y, idx = self.pool(x)
        return self.unpool(y, idx)


ACT = (r(2, 3, 17),)

LAYERS = {
    # activations
    "CELU": lambda: (nn.CELU(0.7), ACT), "ELU": lambda: (nn.ELU(1.3), ACT), "GELU": lambda: (nn.GELU("tanh"), ACT),
    "GLU": lambda: (nn.GLU(1), (r(2, 6, 5),)), "Hardshrink": lambda: (nn.Hardshrink(0.6), ACT),
    "Hardsigmoid": lambda: (nn.Hardsigmoid(), (r(2, 3, 17) * 4,)),
    "Hardswish": lambda: (nn.Hardswish(), (r(2, 33) * 4,)),
    "Hardtanh": lambda: (nn.Hardtanh(-0.5, 0.8), ACT), "LeakyReLU": lambda: (nn.LeakyReLU(0.2), ACT),
    "LogSigmoid": lambda: (nn.LogSigmoid(), ACT), "LogSoftmax": lambda: (nn.LogSoftmax(1), ACT),
    "Mish": lambda: (nn.Mish(), ACT), "PReLU": lambda: (nn.PReLU(3, 0.3), ACT), "ReLU": lambda: (nn.ReLU(), ACT),
    "ReLU6": lambda: (nn.ReLU6(), (r(2, 3, 17) * 5,)), "RReLU": lambda: (nn.RReLU(0.1, 0.3), ACT),
    "SELU": lambda: (nn.SELU(), ACT), "SiLU": lambda: (nn.SiLU(), ACT), "Sigmoid": lambda: (nn.Sigmoid(), ACT),
    "Softmax": lambda: (nn.Softmax(-1), ACT), "Softmax2d": lambda: (nn.Softmax2d(), (r(2, 3, 4, 5),)),
    "Softmin": lambda: (nn.Softmin(1), ACT), "Softplus": lambda: (nn.Softplus(2.0, 3.0), (r(2, 3, 17) * 3,)),
    "Softshrink": lambda: (nn.Softshrink(0.4), ACT), "Softsign": lambda: (nn.Softsign(), ACT),
    "Tanh": lambda: (nn.Tanh(), ACT), "Tanhshrink": lambda: (nn.Tanhshrink(), ACT),
    "Threshold": lambda: (nn.Threshold(0.1, -2.0), ACT), "Identity": lambda: (nn.Identity(), ACT),
    # linear, embedding, shape
    "Linear": lambda: (nn.Linear(17, 9), (r(3, 17),)), "Bilinear": lambda: (nn.Bilinear(5, 4, 3), (r(2, 5), r(2, 4))),
    "Embedding": lambda: (nn.Embedding(11, 6), (torch.randint(0, 11, (3, 4)),)),
    "EmbeddingBag": lambda: (nn.EmbeddingBag(11, 6, mode="mean"), (torch.randint(0, 11, (3, 4)),)),
    "Flatten": lambda: (nn.Flatten(), (r(2, 3, 4, 5),)), "Unflatten": lambda: (nn.Unflatten(1, (3, 4)), (r(2, 12),)),
    "PixelShuffle": lambda: (nn.PixelShuffle(2), (r(1, 8, 3, 5),)),
    "PixelUnshuffle": lambda: (nn.PixelUnshuffle(2), (r(1, 2, 6, 4),)),
    "ChannelShuffle": lambda: (nn.ChannelShuffle(3), (r(2, 6, 4, 5),)),
    "Fold": lambda: (nn.Fold((5, 6), (2, 3), padding=1, stride=(2, 1)), (r(2, 3 * 6, 3 * 6),)),
    "Unfold": lambda: (nn.Unfold((2, 3), padding=1, stride=(2, 1)), (r(2, 3, 5, 6),)),
    "Sequential": lambda: (nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)), (r(3, 8),)),
    # convolutions
    "Conv1d": lambda: (nn.Conv1d(3, 8, 3, padding=1, stride=2), (r(2, 3, 17),)),
    "Conv2d": lambda: (nn.Conv2d(4, 6, 3, padding=1, groups=2), (r(2, 4, 9, 9),)),
    "Conv3d": lambda: (nn.Conv3d(3, 4, (3, 2, 2), padding=(1, 0, 1), stride=(2, 1, 1)), (r(2, 3, 5, 6, 6),)),
    "ConvTranspose1d": lambda: (nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1), (r(2, 3, 9),)),
    "ConvTranspose2d": lambda: (nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2), (r(1, 4, 5, 6),)),
    "ConvTranspose3d": lambda: (nn.ConvTranspose3d(3, 4, 2, stride=2), (r(1, 3, 3, 4, 5),)),
    # normalization
    "BatchNorm1d": lambda: _bn(nn.BatchNorm1d, 5, (3, 5, 7)),
    "BatchNorm2d": lambda: _bn(nn.BatchNorm2d, 3, (2, 3, 4, 5)),
    "BatchNorm3d": lambda: _bn(nn.BatchNorm3d, 3, (2, 3, 2, 4, 5)),
    "SyncBatchNorm": lambda: _bn(nn.SyncBatchNorm, 3, (2, 3, 4, 5)),
    "GroupNorm": lambda: (nn.GroupNorm(2, 6), (r(2, 6, 5, 3),)),
    "InstanceNorm1d": lambda: (nn.InstanceNorm1d(4, affine=True), (r(2, 4, 17),)),
    "InstanceNorm2d": lambda: (nn.InstanceNorm2d(3), (r(2, 3, 5, 6),)),
    "InstanceNorm3d": lambda: (nn.InstanceNorm3d(3, affine=True), (r(1, 3, 3, 4, 5),)),
    "LayerNorm": lambda: (nn.LayerNorm([5, 6]), (r(2, 3, 5, 6),)), "RMSNorm": lambda: (nn.RMSNorm(6), (r(2, 3, 6),)),
    "LocalResponseNorm": lambda: (nn.LocalResponseNorm(3), (r(2, 6, 4, 5),)),
    # pooling
    "AdaptiveAvgPool1d": lambda: (nn.AdaptiveAvgPool1d(4), (r(2, 3, 12),)),
    "AdaptiveAvgPool2d": lambda: (nn.AdaptiveAvgPool2d((2, 3)), (r(2, 3, 6, 9),)),
    "AdaptiveAvgPool3d": lambda: (nn.AdaptiveAvgPool3d((1, 2, 3)), (r(2, 3, 2, 4, 6),)),
    "AdaptiveMaxPool1d": lambda: (nn.AdaptiveMaxPool1d(4), (r(2, 3, 12),)),
    "AdaptiveMaxPool2d": lambda: (nn.AdaptiveMaxPool2d((2, 3)), (r(2, 3, 6, 9),)),
    "AdaptiveMaxPool3d": lambda: (nn.AdaptiveMaxPool3d((1, 2, 3)), (r(2, 3, 2, 4, 6),)),
    "AvgPool1d": lambda: (nn.AvgPool1d(3, 2, 1), (r(2, 3, 17),)),
    "AvgPool2d": lambda: (nn.AvgPool2d(3, 2, 1), (r(2, 3, 9, 8),)),
    "AvgPool3d": lambda: (nn.AvgPool3d(2), (r(2, 3, 4, 6, 5),)),
    "MaxPool1d": lambda: (nn.MaxPool1d(3, 2, 1), (r(2, 3, 17),)),
    "MaxPool2d": lambda: (nn.MaxPool2d(3, 2, 1, ceil_mode=True), (r(2, 3, 9, 8),)),
    "MaxPool3d": lambda: (nn.MaxPool3d(2, padding=1), (r(2, 3, 4, 6, 5),)),
    "LPPool1d": lambda: (nn.LPPool1d(2, 3, 2), (r(2, 3, 17),)),
    "LPPool2d": lambda: (nn.LPPool2d(3, 2), (r(2, 3, 8, 6),)),
    "LPPool3d": lambda: (nn.LPPool3d(2, 2), (r(2, 3, 4, 6, 4),)),
    "MaxUnpool1d": lambda: (_Unpool(1), (r(2, 3, 8),)), "MaxUnpool2d": lambda: (_Unpool(2), (r(2, 3, 4, 6),)),
    "MaxUnpool3d": lambda: (_Unpool(3), (r(1, 2, 4, 4, 6),)),
    # padding
    "ConstantPad1d": lambda: (nn.ConstantPad1d((1, 2), 0.5), (r(2, 3, 5),)),
    "ConstantPad2d": lambda: (nn.ConstantPad2d((1, 0, 2, 1), -1.0), (r(2, 3, 4, 5),)),
    "ConstantPad3d": lambda: (nn.ConstantPad3d(1, 2.0), (r(1, 2, 3, 4, 5),)),
    "ZeroPad1d": lambda: (nn.ZeroPad1d(2), (r(2, 3, 5),)),
    "ZeroPad2d": lambda: (nn.ZeroPad2d((1, 2, 0, 1)), (r(2, 3, 4, 5),)),
    "ZeroPad3d": lambda: (nn.ZeroPad3d(1), (r(1, 2, 3, 4, 5),)),
    "ReflectionPad1d": lambda: (nn.ReflectionPad1d((2, 1)), (r(2, 3, 5),)),
    "ReflectionPad2d": lambda: (nn.ReflectionPad2d((1, 2, 3, 1)), (r(2, 3, 4, 5),)),
    "ReflectionPad3d": lambda: (nn.ReflectionPad3d(1), (r(1, 2, 3, 4, 5),)),
    "ReplicationPad1d": lambda: (nn.ReplicationPad1d((2, 1)), (r(2, 3, 5),)),
    "ReplicationPad2d": lambda: (nn.ReplicationPad2d((1, 2, 3, 1)), (r(2, 3, 4, 5),)),
    "ReplicationPad3d": lambda: (nn.ReplicationPad3d(1), (r(1, 2, 3, 4, 5),)),
    "CircularPad1d": lambda: (nn.CircularPad1d((2, 1)), (r(2, 3, 5),)),
    "CircularPad2d": lambda: (nn.CircularPad2d((1, 2, 3, 1)), (r(2, 3, 4, 5),)),
    "CircularPad3d": lambda: (nn.CircularPad3d(1), (r(1, 2, 3, 4, 5),)),
    # resampling
    "Upsample": lambda: (nn.Upsample(scale_factor=2, mode="bilinear"), (r(1, 3, 4, 5),)),
    "UpsamplingBilinear2d": lambda: (nn.UpsamplingBilinear2d(scale_factor=2), (r(1, 3, 4, 5),)),
    "UpsamplingNearest2d": lambda: (nn.UpsamplingNearest2d(size=(8, 15)), (r(1, 3, 4, 5),)),
    # dropout: identity in inference
    "Dropout": lambda: (nn.Dropout(0.3), ACT), "Dropout1d": lambda: (nn.Dropout1d(0.3), ACT),
    "Dropout2d": lambda: (nn.Dropout2d(0.3), (r(2, 3, 4, 5),)),
    "Dropout3d": lambda: (nn.Dropout3d(), (r(2, 3, 2, 4, 5),)),
    "AlphaDropout": lambda: (nn.AlphaDropout(0.3), ACT),
    "FeatureAlphaDropout": lambda: (nn.FeatureAlphaDropout(0.3), ACT),
    # recurrent
    "RNN": _rnn(nn.RNN, num_layers=2), "GRU": _rnn(nn.GRU, bidirectional=True),
    "LSTM": _rnn(nn.LSTM, batch_first=True), "RNNCell": _cell(nn.RNNCell), "GRUCell": _cell(nn.GRUCell),
    "LSTMCell": _cell(nn.LSTMCell),
    # attention and transformers
    "MultiheadAttention": _mha,
    "TransformerEncoderLayer": lambda: (_encoder_layer(), (r(2, 5, 16),)),
    "TransformerEncoder": lambda: (nn.TransformerEncoder(_encoder_layer(), 2, enable_nested_tensor=False),
                                   (r(2, 5, 16),)),
    "TransformerDecoderLayer": lambda: (_decoder_layer(), (r(2, 5, 16), r(2, 7, 16))),
    "TransformerDecoder": lambda: (nn.TransformerDecoder(_decoder_layer(), 2), (r(2, 5, 16), r(2, 7, 16))),
    "Transformer": lambda: (nn.Transformer(16, 4, 1, 1, 32, dropout=0.0, batch_first=True), (r(2, 5, 16), r(2, 7, 16))),
    # distances
    "CosineSimilarity": lambda: (nn.CosineSimilarity(1), (r(3, 17), r(3, 17))),
    "PairwiseDistance": lambda: (nn.PairwiseDistance(), (r(3, 17), r(3, 17))),
}

_LOSS = "a loss: a training objective over targets, not an inference layer"
_LAZY = "a lazy layer: its shapes are unknown until a first call materializes it as the plain layer (exported as that)"
_CONTAINER = "a container or base class: it has no forward of its own (Sequential, which has one, is swept)"

NOT_LAYERS = {
    **{name: _LOSS for name in [
        "AdaptiveLogSoftmaxWithLoss", "BCELoss", "BCEWithLogitsLoss", "CTCLoss", "CosineEmbeddingLoss",
        "CrossEntropyLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss",
        "LinearCrossEntropyLoss", "MSELoss", "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
        "MultiMarginLoss", "NLLLoss", "NLLLoss2d", "PoissonNLLLoss", "SmoothL1Loss", "SoftMarginLoss",
        "TripletMarginLoss", "TripletMarginWithDistanceLoss"]},
    **{name: _LAZY for name in [
        "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
        "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
        "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear"]},
    **{name: _CONTAINER for name in [
        "Container", "Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "RNNBase",
        "RNNCellBase"]},
    "DataParallel": "a data-parallel training wrapper over devices: export the module it wraps",
    "CrossMapLRN2d": "a legacy autograd Function that torch.export cannot capture (resize_as_ on a fake "
                     "tensor fails inside torch): nn.LocalResponseNorm computes the same and exports",
    "FractionalMaxPool2d": "random pooling regions: an inference program is deterministic",
    "FractionalMaxPool3d": "random pooling regions: an inference program is deterministic",
}


if __name__ == "__main__":      # the counts the README states
    print(f"torch.nn layer classes (torch {torch.__version__}): {len(LAYERS)} exported and validated by "
          f"tests/test_nn_sweep.py, {len(NOT_LAYERS)} listed with the reason, of {len(LAYERS) + len(NOT_LAYERS)}")
