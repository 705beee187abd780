"""QUANTIZE: clamp(rint(x / s) + z, -128, 127) in float32, half to even, NaN -> z;
against torch.quantize_per_tensor and in both runtimes."""
import numpy as np
import pytest
import torch

import runtime_py
from quant_graph import quant_program


@pytest.mark.parametrize("scale,zero_point", [(0.1, 0), (0.02, -128), (3.0, 17), (1e-3, 127)])
def test_quantize_matches_torch(scale, zero_point):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 5, 7)) * 4).astype(np.float32)
    x[0, 0, :4] = [0.05, 0.15, -0.25, 0.35]            # ties at scale 0.1
    data = quant_program(x.shape, scale, zero_point, roundtrip=False)
    got = runtime_py.load(data).run("forward", x)[0]
    c = runtime_py.load(data, backend="c").run("forward", x)[0]
    assert got.dtype == np.int8 and np.array_equal(got, c)
    want = torch.quantize_per_tensor(torch.from_numpy(x), scale, zero_point, torch.qint8).int_repr().numpy()
    # torch multiplies by 1/scale; Ember divides: a float32 tie may round the other way
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1
    assert (got == want).mean() > 0.99
    ref = np.clip(np.rint(x / np.float32(scale)) + zero_point, -128, 127)
    assert np.array_equal(got, ref.astype(np.int8))


def test_quantize_nan_inf_and_huge():
    x = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30, 0.0], np.float32)
    data = quant_program(x.shape, 0.5, 3, roundtrip=False)
    for backend in ("py", "c"):
        got = runtime_py.load(data, backend=backend).run("forward", x)[0]
        assert got.tolist() == [3, 127, -128, 127, -128, 3]
