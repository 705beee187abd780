"""Storage dtypes FLOAT16 and FLOAT64 (schema 2.3): CAST to and from them and the data
movement ops in both runtimes, against numpy's conversions bit for bit; an ONNX model in
float16 or float64 computes in float32 between CASTs; any other op with such an operand is
refused at load by both runtimes."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper

import runtime_py
from crafted import edit
from exporter import export_onnx
from schema import fb

ONNX = {np.float16: TP.FLOAT16, np.float64: TP.DOUBLE, np.float32: TP.FLOAT, np.int64: TP.INT64, np.int8: TP.INT8,
        np.int32: TP.INT32, np.uint8: TP.UINT8, np.bool_: TP.BOOL}


def program(tmp_path, nodes, ins, outs):
    """An exported ONNX graph of `nodes`; ins/outs: (name, numpy dtype, shape)."""
    vi = lambda n, d, s: helper.make_tensor_value_info(n, ONNX[d], s)  # noqa: E731
    graph = helper.make_graph(nodes, "g", [vi(*i) for i in ins], [vi(*o) for o in outs])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return export_onnx(str(path))


def run_both(data, *inputs):
    return [runtime_py.load(data, backend=b).run("forward", *inputs)[0] for b in ("py", "c")]


def half_values():
    """Every float16 bit pattern."""
    return np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)


def narrowing_values(dtype):
    """Values around every float16 rounding question: ties, subnormals, the overflow edge,
    and (from float64) a value a float32 step would round to a tie."""
    rng = np.random.default_rng(0)
    halves = half_values()[np.isfinite(half_values())].astype(np.float64)
    mids = (halves[:-1] + halves[1:]) / 2
    mids = mids[np.isfinite(mids)]
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 65504, 65519.99, 65520, 1e6, 2.0 ** -24, 2.0 ** -25,
               2.0 ** -25 * 1.0000001, 2.0 ** -26, 1e-30, 1 + 2.0 ** -11 + 2.0 ** -40]
    values = np.concatenate([mids, np.nextafter(mids, np.inf), np.nextafter(mids, -np.inf), special,
                             rng.standard_normal(4000) * 100, rng.standard_normal(1000) * 1e-5])
    return values.astype(dtype)


def assert_same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    same = (got == want) | (np.isnan(got.astype(np.float64)) & np.isnan(want.astype(np.float64)))
    assert same.all(), f"{int((~same).sum())} differ, first at {np.argmax(~same)}: {got[~same][:3]} " \
                       f"vs {want[~same][:3]}"


@pytest.mark.parametrize("dst", [np.float32, np.float64, np.int32, np.int64, np.int8, np.uint8, np.bool_])
def test_every_half_widens_exactly(tmp_path, dst):
    x = half_values()
    if np.dtype(dst).kind in "iu":
        x = x[np.isfinite(x)]   # numpy's conversion of inf/NaN to integers is platform-defined
    data = program(tmp_path, [helper.make_node("Cast", ["x"], ["y"], to=ONNX[dst])], [("x", np.float16, [x.size])],
                   [("y", dst, [x.size])])
    with np.errstate(all="ignore"):
        want = x.astype(dst)
    for got in run_both(data, x):
        assert_same(got, want)


@pytest.mark.parametrize("src", [np.float32, np.float64])
def test_narrowing_to_half_rounds_to_nearest_even_once(tmp_path, src):
    x = narrowing_values(src)
    data = program(tmp_path, [helper.make_node("Cast", ["x"], ["y"], to=TP.FLOAT16)], [("x", src, [x.size])],
                   [("y", np.float16, [x.size])])
    with np.errstate(all="ignore"):
        want = x.astype(np.float16)
    for got in run_both(data, x):
        assert_same(got, want)


@pytest.mark.parametrize("src", [np.int64, np.int32, np.int8, np.uint8, np.bool_])
def test_integers_to_half_and_double(tmp_path, src):
    info = np.iinfo(src) if src is not np.bool_ else None
    x = (np.array([0, 1, 1], src) if info is None else
         np.concatenate([np.arange(-300, 300), [info.min, info.max, 2049, 4097, 65504, 65519, 65520, 70000]])
         .astype(np.int64).clip(info.min, info.max).astype(src))
    for dst in (np.float16, np.float64):
        data = program(tmp_path, [helper.make_node("Cast", ["x"], ["y"], to=ONNX[dst])], [("x", src, [x.size])],
                       [("y", dst, [x.size])])
        for got in run_both(data, x):
            assert_same(got, x.astype(dst))


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_data_movement_keeps_the_bits(tmp_path, dtype):
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[2, 0, 1]),
             helper.make_node("Slice", ["t", "starts", "ends", "axes", "steps"], ["s"]),
             helper.make_node("Concat", ["s", "s"], ["c"], axis=1),
             helper.make_node("Gather", ["c", "idx"], ["g"], axis=2),
             helper.make_node("Expand", ["g", "shape"], ["y"])]
    consts = {"starts": [1], "ends": [5], "axes": [0], "steps": [2], "idx": [2, 0, -1], "shape": [3, 2, 4, 3]}
    inits = [helper.make_tensor(k, TP.INT64, [len(v)], v) for k, v in consts.items()]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", ONNX[dtype], [2, 3, 5])],
                              [helper.make_tensor_value_info("y", ONNX[dtype], [3, 2, 4, 3])], inits)
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    data = export_onnx(str(path))
    x = np.random.default_rng(1).standard_normal((2, 3, 5)).astype(dtype)
    t = x.transpose(2, 0, 1)[1:5:2]
    want = np.broadcast_to(np.concatenate([t, t], 1)[:, :, [2, 0, -1]], (3, 2, 4, 3))
    ops = runtime_py.load(data).method().operators
    assert "CAST" not in ops, ops     # moved as stored, no conversion
    for got in run_both(data, x):
        assert_same(got, want)


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_arithmetic_computes_in_float32_between_casts(tmp_path, dtype):
    nodes = [helper.make_node("Exp", ["x"], ["e"]), helper.make_node("Add", ["e", "x"], ["y"])]
    data = program(tmp_path, nodes, [("x", dtype, [4, 17])], [("y", dtype, [4, 17])])
    x = np.random.default_rng(2).standard_normal((4, 17)).astype(dtype)
    x32 = x.astype(np.float32)
    want = (np.exp(x32).astype(dtype).astype(np.float32) + x32).astype(dtype)   # e is stored in dtype
    ops = runtime_py.load(data).method().operators
    assert ops.count("CAST") == 4, ops      # x (once for both readers), e out and back in, y
    for got in run_both(data, x):
        assert got.dtype == dtype
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=1e-3 if dtype == np.float16
                                   else 1e-6, atol=1e-6)


def test_a_storage_dtype_on_an_arithmetic_op_is_refused_at_load(tmp_path):
    data = program(tmp_path, [helper.make_node("Exp", ["x"], ["y"])], [("x", np.float32, [3])],
                   [("y", np.float32, [3])])

    def to_half(p):
        for t in p.methods[0].tensors:
            t.dtype = fb.DType.FLOAT16
            t.nbytes = 6
    bad = edit(data, to_half)
    for backend in ("py", "c"):
        with pytest.raises(runtime_py.EmberError, match="storage dtype"):
            runtime_py.load(bad, backend=backend)
