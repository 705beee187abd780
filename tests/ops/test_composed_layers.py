"""Core ATen overloads lowered as compositions of existing ops (exporter/frontends/torch/
ops_compose.py): group norm, 1-D and 3-D pooling, flip, diagonal, copy, as_strided, cdist,
pdist and embedding_bag, each against eager in both runtimes."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from oplib import check_op


@pytest.mark.parametrize("groups,channels,shape", [(1, 4, (2, 4, 5, 5)), (2, 6, (3, 6, 7)), (6, 6, (1, 6, 3, 4, 2)),
                                                   (4, 8, (2, 8, 17, 3))])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm(groups, channels, shape, affine):
    m = nn.GroupNorm(groups, channels, affine=affine).eval()
    if affine:
        with torch.no_grad():
            m.weight.normal_()
            m.bias.normal_()
    check_op(m, (torch.randn(shape) * 3 + 1,), "LAYER_NORM")


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=(1, 3, 2), stride=(1, 2, 1)),
                                    dict(kernel_size=3, padding=1, count_include_pad=False),
                                    dict(kernel_size=2, divisor_override=3)])
def test_avg_pool3d(kwargs):
    check_op(nn.AvgPool3d(**kwargs), (torch.randn(2, 3, 6, 7, 5),), "AVG_POOL2D")


def test_avg_pool3d_ceil_mode_growing_the_output_is_refused():
    from exporter import export_module
    from exporter.errors import ExportError
    with pytest.raises(ExportError, match="avg_pool3d with ceil_mode changing the output size"):
        export_module(nn.AvgPool3d(3, 2, 1, ceil_mode=True), (torch.randn(1, 2, 6, 7, 5),))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, stride=2, ceil_mode=True),
                                    dict(kernel_size=2, dilation=2), dict(kernel_size=(3, 1, 2), stride=1)])
@pytest.mark.parametrize("shape", [(2, 3, 6, 7, 5), (3, 5, 6, 4)])
def test_max_pool3d(kwargs, shape):
    check_op(nn.MaxPool3d(**kwargs), (torch.randn(shape),), "MAX_POOL2D")


@pytest.mark.parametrize("size", [1, (2, 3, 1), (3, 2, 5)])
def test_adaptive_avg_pool3d(size):
    check_op(nn.AdaptiveAvgPool3d(size), (torch.randn(2, 3, 6, 6, 5),), "REDUCE_MEAN" if size == 1 else "AVG_POOL2D")


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, padding=1, count_include_pad=False)])
@pytest.mark.parametrize("shape", [(2, 3, 17), (4, 9)])
def test_avg_pool1d(kwargs, shape):
    check_op(nn.AvgPool1d(**kwargs), (torch.randn(shape),), "AVG_POOL2D")


@pytest.mark.parametrize("size", [1, 3, 12])
def test_adaptive_avg_pool1d(size):
    check_op(nn.AdaptiveAvgPool1d(size), (torch.randn(2, 5, 12),), "AVG_POOL2D" if size != 1 else "REDUCE_MEAN")


@pytest.mark.parametrize("dims", [(0,), (-1,), (1, 2), (0, 1, 2)])
def test_flip(dims):
    check_op(lambda x: torch.flip(x, dims), (torch.randn(3, 17, 5),), "GATHER")


def test_flip_int():
    check_op(lambda x: torch.flip(x, (0,)), (torch.randint(-5, 5, (33,)),), "GATHER")


@pytest.mark.parametrize("offset,d1,d2", [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (0, -1, -2), (2, 1, 2), (-1, 2, 0)])
def test_diagonal(offset, d1, d2):
    check_op(lambda x: torch.diagonal(x, offset, d1, d2) * 2, (torch.randn(4, 5, 6),), "SLICE")


def test_diag_embed_free_diagonal_of_matrix():
    check_op(lambda x: torch.diagonal(x) + 1, (torch.randn(7, 7),), "SLICE")


def test_copy_broadcasts_and_casts():
    def fn(x, y):
        z = torch.zeros_like(x)
        z.copy_(y)
        return z + x
    check_op(fn, (torch.randn(3, 4), torch.randn(4)), "EXPAND")


@pytest.mark.parametrize("size,stride,offset", [((3, 4), (1, 3), 0), ((2, 2, 3), (6, 1, 2), 0), ((4, 3), (2, 1), 2)])
def test_as_strided(size, stride, offset):
    check_op(lambda x: torch.as_strided(x * 1, size, stride, offset) + 1, (torch.randn(12),), "GATHER")


def test_as_strided_outside_the_tensor_is_refused():
    from exporter import export_module
    from exporter.errors import ExportError
    from oplib import Fn1
    with pytest.raises(ExportError, match="as_strided reads element"):
        export_module(Fn1(lambda x: torch.as_strided(x * 1, (4, 4), (4, 1)) + 1), (torch.randn(12),))


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, float("inf")])
def test_cdist(p):
    x1, x2 = torch.randn(2, 5, 3), torch.randn(2, 4, 3)
    x2[0, 1] = x1[0, 2]     # a zero distance (p=0 counts zeros; p=2's sqrt at 0)
    check_op(lambda a, b: torch.cdist(a, b, p=p), (x1, x2), "REDUCE_SUM" if p != float("inf") else "REDUCE_MAX")


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_pdist(p):
    check_op(lambda x: F.pdist(x, p), (torch.randn(6, 4),), "GATHER")


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    check_op(nn.EmbeddingBag(10, 5, mode=mode), (torch.randint(0, 10, (3, 4)),), "GATHER")


def test_embedding_bag_per_sample_weights():
    bag = nn.EmbeddingBag(10, 5, mode="sum")
    check_op(lambda i, w: bag(i, per_sample_weights=w), (torch.randint(0, 10, (2, 3)), torch.rand(2, 3)), "GATHER")


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3),
                                    dict(kernel_size=(3, 2, 2), padding=(1, 0, 1), stride=(2, 1, 1)),
                                    dict(kernel_size=2, groups=2, dilation=(2, 1, 1)), dict(kernel_size=1, bias=False),
                                    dict(kernel_size=(2, 3, 3), padding=1, stride=2)])
def test_conv3d(kwargs):
    check_op(nn.Conv3d(4, 6, **kwargs), (torch.randn(2, 4, 6, 7, 5),), "CONV2D")


@pytest.mark.parametrize("cls,shape,kwargs", [
    (nn.MaxPool2d, (2, 3, 7, 6), dict(kernel_size=2)),
    (nn.MaxPool2d, (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (nn.MaxPool2d, (3, 9, 8), dict(kernel_size=2, dilation=2)),
    (nn.MaxPool1d, (2, 3, 17), dict(kernel_size=3, stride=2, padding=1)),
    (nn.MaxPool3d, (1, 2, 4, 5, 6), dict(kernel_size=2, padding=1)),
])
def test_max_pool_indices(cls, shape, kwargs):
    x = torch.randn(shape)
    x.view(-1)[::7] = 0.5            # ties inside windows: the first maximum wins, as torch
    check_op(cls(return_indices=True, **kwargs), (x,), "ARG_MAX")


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2, stride=2), dict(kernel_size=3, stride=(2, 1, 2), padding=1),
                                    dict(kernel_size=(3, 2, 2), stride=2, padding=(1, 0, 1), output_padding=1),
                                    dict(kernel_size=2, groups=2, dilation=(2, 1, 1)),
                                    dict(kernel_size=3, stride=1, padding=2, bias=False)])
def test_conv_transpose3d(kwargs):
    check_op(nn.ConvTranspose3d(4, 6, **kwargs), (torch.randn(2, 4, 3, 4, 5),), "CONV_TRANSPOSE2D")


@pytest.mark.parametrize("size,kernel,dilation,padding,stride", [((5, 6), (2, 3), (1, 1), (1, 1), (2, 1)),
                                                                 ((4, 4), (2, 2), (1, 1), (0, 0), (2, 2)),
                                                                 ((7, 5), (3, 2), (2, 1), (2, 0), (1, 1))])
def test_col2im(size, kernel, dilation, padding, stride):
    """torch.export decomposes col2im itself (index_put); a program captured with col2im kept
    (a decomposition table without it) reaches the col2im lowering."""
    import numpy as np
    import runtime_py
    from exporter import export_captured
    from exporter.frontends.torch.capture import Captured
    from oplib import Fn1
    blocks = nn.Unfold(kernel, dilation, padding, stride)(torch.randn(2, 3, *size)).shape[-1]
    x = torch.randn(2, 3 * kernel[0] * kernel[1], blocks)
    model = Fn1(lambda t: torch.ops.aten.col2im(t, size, kernel, dilation, padding, stride))
    table = torch.export.default_decompositions()
    table.pop(torch.ops.aten.col2im.default, None)
    ep = torch.export.export(model, (x,)).run_decompositions(table)
    assert any(n.target is torch.ops.aten.col2im.default for n in ep.graph.nodes)
    data = export_captured(Captured(ep, (x,), model, "test", []))
    want = model(x).numpy()
    assert "SCATTER_ELEMENTS" in runtime_py.load(data).method().operators
    for backend in ("py", "c"):
        program = runtime_py.load(data, backend=backend)
        np.testing.assert_allclose(program.run("forward", x.numpy())[0], want, rtol=1e-5, atol=1e-5)


def test_batch_statistics_without_running_ones():
    """F.batch_norm with no running statistics normalizes by the batch's own (InstanceNorm
    runs this): an inference graph may hold it, and it exports."""
    check_op(lambda x: F.batch_norm(x, None, None, training=True), (torch.randn(4, 3, 5) * 2 + 1,), "LAYER_NORM")
