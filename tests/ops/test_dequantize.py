"""DEQUANTIZE: float32(q - z) * s; QUANTIZE then DEQUANTIZE against torch's round trip."""
import numpy as np
import pytest
import torch

import runtime_py
from quant_graph import quant_program


@pytest.mark.parametrize("scale,zero_point", [(0.1, 0), (0.05, -20), (2.5, 100)])
def test_roundtrip_matches_torch(scale, zero_point):
    x = (np.random.default_rng(1).standard_normal((4, 9)) * 3).astype(np.float32)
    data = quant_program(x.shape, scale, zero_point, roundtrip=True)
    got = runtime_py.load(data).run("forward", x)[0]
    c = runtime_py.load(data, backend="c").run("forward", x)[0]
    assert got.dtype == np.float32 and np.array_equal(got, c)
    q = np.clip(np.rint(x / np.float32(scale)) + zero_point, -128, 127)
    assert np.array_equal(got, (q - zero_point).astype(np.float32) * np.float32(scale))
    want = torch.quantize_per_tensor(torch.from_numpy(x), scale, zero_point, torch.qint8).dequantize().numpy()
    np.testing.assert_allclose(got, want, atol=scale * 1.0001)   # at most one step apart (float32 ties)
    lo, hi = (-128 - zero_point) * scale, (127 - zero_point) * scale
    inside = (x >= lo) & (x <= hi)
    assert np.abs(got - x)[inside].max() <= scale / 2 * 1.0001        # within half a step
    np.testing.assert_allclose(got[~inside], np.where(x[~inside] > hi, hi, lo), rtol=1e-6)
