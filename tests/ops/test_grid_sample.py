"""GRID_SAMPLE against eager PyTorch in both runtimes: aten.grid_sampler_2d (F.grid_sample on
4-D input) in every mode, padding mode and align_corners, with grid values inside and outside
[-1, 1], on pixel centres and half-way points; the ONNX GridSample (opset 16 and 20 names);
hostile operands and options refused at load."""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from exporter import ExportError
from exporter.options import DynamicDim
from oplib import check_op
from spatial_lib import check_both, edited, onnx_program, refusals

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _sampler(mode, padding, align_corners):
    return lambda x, g: F.grid_sample(x, g, mode, padding, align_corners=align_corners)


def _grid(n, oh, ow, spread, seed):
    """Uniform in [-spread, spread], with the corners, pixel centres and half-way points of a
    5 x 7 image (align_corners or not) among the first entries."""
    g = (torch.rand(n, oh, ow, 2, generator=torch.Generator().manual_seed(seed)) * 2 - 1) * spread
    special = torch.tensor([-1.0, 1.0, 0.0, 0.5, -0.5, 0.25, 1 / 7, 3 / 7, 2 / 5, 1.2, -1.3, 3.1])
    flat = g.view(-1)
    k = min(flat.numel(), 2 * special.numel())
    flat[:k] = special.repeat(2)[:k].roll(1)
    return g


@pytest.mark.parametrize("mode,padding,align_corners", list(itertools.product(MODES, PADDINGS, (False, True))))
def test_grid_sample(mode, padding, align_corners):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 5, 7)
    check_op(_sampler(mode, padding, align_corners), (x, _grid(2, 4, 6, 1.0, 1)), "GRID_SAMPLE")
    check_op(_sampler(mode, padding, align_corners), (x, _grid(2, 3, 17, 3.5, 2)), "GRID_SAMPLE")   # far outside


@pytest.mark.parametrize("mode,padding", list(itertools.product(MODES, PADDINGS)))
def test_wide_and_single_pixel_inputs(mode, padding):
    """Channels and output rows past the vector widths; a 1 x 1 and a 1-row input (reflection
    over an empty span with align_corners)."""
    torch.manual_seed(1)
    for align_corners in (False, True):
        fn = _sampler(mode, padding, align_corners)
        check_op(fn, (torch.randn(1, 17, 4, 33), _grid(1, 2, 33, 1.5, 3)), "GRID_SAMPLE")
        check_op(fn, (torch.randn(2, 2, 1, 1), _grid(2, 3, 3, 2.0, 4)), "GRID_SAMPLE")
        check_op(fn, (torch.randn(1, 3, 1, 6), _grid(1, 5, 2, 2.0, 5)), "GRID_SAMPLE")


@pytest.mark.parametrize("mode,padding", list(itertools.product(MODES, PADDINGS)))
def test_large_and_non_finite_grid_values(mode, padding):
    """Far-out, infinite and NaN coordinates: as torch (a NaN weight gives NaN, a clipped NaN 0)."""
    grid = torch.tensor([[[[float("nan"), 0.2], [0.3, float("nan")], [float("inf"), 0.1], [-float("inf"), 0.5],
                           [0.1, 1e30], [-3e9, 2e9], [1e5, -1e5], [0.999999, -0.999999]]]])
    for align_corners in (False, True):
        check_op(_sampler(mode, padding, align_corners), (torch.randn(1, 2, 4, 5), grid), "GRID_SAMPLE")


class Sampler(torch.nn.Module):
    def __init__(self, mode="bilinear", padding="zeros", align_corners=False):
        super().__init__()
        self.mode, self.padding, self.align_corners = mode, padding, align_corners

    def forward(self, x, g):
        return F.grid_sample(x, g, self.mode, self.padding, align_corners=self.align_corners)


def test_empty_output_and_dynamic_batch():
    torch.manual_seed(2)
    check_op(Sampler("bilinear", "border"), (torch.randn(1, 3, 4, 4), torch.randn(1, 0, 5, 2)), "GRID_SAMPLE")
    check_op(Sampler("bicubic", "reflection"), (torch.randn(2, 3, 4, 4), torch.randn(2, 3, 5, 2)), "GRID_SAMPLE",
             dynamic=[DynamicDim("batch", 0, 4)],
             extra_inputs=[(torch.randn(1, 3, 4, 4), torch.randn(1, 3, 5, 2)),
                           (torch.randn(4, 3, 4, 4), torch.randn(4, 3, 5, 2))])


def test_volumetric_is_refused_by_name():
    with pytest.raises(ExportError, match="grid_sampler_3d"):
        check_op(lambda x, g: F.grid_sample(x, g, align_corners=False),
                 (torch.randn(1, 2, 3, 3, 3), torch.randn(1, 2, 2, 2, 3)), "GRID_SAMPLE")


# ---- ONNX GridSample -----------------------------------------------------------------------
@pytest.mark.parametrize("opset,mode,torch_mode", [(16, "bilinear", "bilinear"), (16, "nearest", "nearest"),
                                                   (16, "bicubic", "bicubic"), (20, "linear", "bilinear"),
                                                   (20, "nearest", "nearest"), (20, "cubic", "bicubic")])
@pytest.mark.parametrize("padding", PADDINGS)
def test_onnx_grid_sample(opset, mode, torch_mode, padding):
    """Against eager torch (onnx's reference clamps a bicubic coordinate before its taps; opset
    16's names are also taught to it for the importer's trace)."""
    torch.manual_seed(3)
    x, g = torch.randn(2, 3, 5, 6), _grid(2, 4, 3, 1.6, 6)
    for align_corners in (0, 1):
        data = onnx_program("GridSample", {"x": x.numpy(), "g": g.numpy()}, (2, 3, 4, 3), opset=opset, mode=mode,
                            padding_mode=padding, align_corners=align_corners)
        want = F.grid_sample(x, g, torch_mode, padding, align_corners=bool(align_corners)).numpy()
        check_both(data, [x.numpy(), g.numpy()], want)


def test_onnx_volumetric_refused():
    with pytest.raises(ExportError, match="3-D GridSample"):
        onnx_program("GridSample", {"x": np.zeros((1, 1, 2, 2, 2), np.float32),
                                    "g": np.zeros((1, 2, 2, 2, 3), np.float32)}, (1, 1, 2, 2, 2), opset=20)


# ---- hostile files ---------------------------------------------------------------------------
def _edited(fn):
    return edited(Sampler(), (torch.randn(1, 2, 4, 4), torch.randn(1, 3, 3, 2)), "GRID_SAMPLE", fn)


@pytest.mark.parametrize("field,value", [("mode", 3), ("mode", -1), ("padding", 3)])
def test_bad_enum_refused_by_both(field, value):
    data = _edited(lambda op, method: setattr(op.options, field, value))
    for message in refusals(data):
        assert message is not None and field in message, message


def test_bad_shapes_refused_by_both():
    def grid_as_x(op, method):          # x (1, 2, 4, 4) read as the grid: its last size is not 2
        op.inputs = [op.inputs[0], op.inputs[0]]
    for message in refusals(_edited(grid_as_x)):
        assert message is not None and "grid" in message, message

    def swapped(op, method):            # the grid as x and x as the grid
        op.inputs = [op.inputs[1], op.inputs[0]]
    for message in refusals(_edited(swapped)):
        assert message is not None and "grid" in message, message
