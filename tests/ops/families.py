"""The cases shared by the test files of an op family (one file per op stays: test_op_coverage).

Comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL): broadcasting
tensors, float and int scalars, int64 vs float promotion, bool output. LOGICAL_AND/OR:
bool tensors with broadcasting and non-bool operands. MAXIMUM/MINIMUM: broadcasting, float
and int64. SOFTMAX/LOG_SOFTMAX: every axis, -inf entries, masking. RESIZE_NEAREST/BILINEAR:
scale factors and sizes, up and down. Float unary maps (ACOS, FLOOR, LOG2, ...): rank 0..4
inputs, one past a vector width, an empty one, and special values."""
import torch

from oplib import check_op, randint

BROADCAST = [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((6,), (6,)), ((3, 4), ()), ((2, 3, 1, 5), (3, 4, 1))]


def few(shape):
    """Floats with many ties, so that equality cases occur."""
    return torch.randint(-2, 3, shape).float() / 2


COMPARISON_CASES = [f"tensors{a}{b}" for a, b in BROADCAST] + [
    "float-scalar", "torch-int-scalar", "full_like", "int64", "int64-int-scalar", "int64-float-scalar",
    "int64-vs-float"]


def check_comparison(case, op, torch_fn, name):
    """`op` (operator.gt, ...) and `torch_fn` (torch.gt, ...) on one of COMPARISON_CASES."""
    if case.startswith("tensors"):
        a, b = BROADCAST[COMPARISON_CASES.index(case)]
        return check_op(op, (few(a), few(b)), name)
    fn, inputs = {
        "float-scalar": (lambda x: op(x, 0.5), (few((3, 5)),)),
        "torch-int-scalar": (lambda x: torch_fn(x, 1), (few((3, 5)),)),
        "full_like": (lambda x: op(torch.full_like(x, 0.5), x), (few((3, 5)),)),
        "int64": (op, (randint((4, 5), -2, 3), randint((5,), -2, 3))),
        "int64-int-scalar": (lambda i: op(i, 1), (randint((7,), -2, 3),)),
        "int64-float-scalar": (lambda i: op(i, 0.5), (randint((7,), -2, 3),)),
        "int64-vs-float": (op, (randint((3, 4), -2, 3), few((3, 4)))),
    }[case]
    return check_op(fn, inputs, name)


LOGICAL_CASES = [f"bool{a}{b}" for a, b in BROADCAST[:4]] + [f"operator-bool{a}{b}" for a, b in BROADCAST[:4]] + [
    "non-bool", "of-comparisons"]


def check_logical(case, torch_fn, op, name):
    """torch.logical_and/or (`torch_fn`) or `&`/`|` (`op`) on one of LOGICAL_CASES."""
    if "bool" in case and case != "non-bool":
        a, b = BROADCAST[LOGICAL_CASES.index(case) % 4]
        fn = op if case.startswith("operator") else torch_fn
        return check_op(fn, (torch.rand(a) > 0.5, torch.rand(b) > 0.5), name)
    if case == "non-bool":
        x = torch.randn(3, 4) * (torch.rand(3, 4) > 0.5)
        return check_op(torch_fn, (x, randint((3, 4), -1, 2)), name)
    return check_op(lambda x: op(x > -0.5, x < 0.5), (torch.randn(4, 5),), name)


MINMAX_SHAPES = [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((5,), (5,)), ((2, 3, 4, 5), (1, 3, 1, 5))]


def check_minmax(torch_fn, name):
    """torch.maximum / torch.minimum (broadcasting floats) and torch.max / torch.min on int64."""
    for a, b in MINMAX_SHAPES:
        check_op(torch_fn, (torch.randn(a), torch.randn(b)), name)


SOFTMAX_AXES = [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -1), ((2, 3, 4), 1), ((2, 3, 4, 5), -3),
                ((2, 3, 4, 5), 3)]


def check_softmax_edges(torch_fn, name):
    """Large values, -inf entries, an all -inf row (NaN, as in torch) and attention-style masking."""
    x = torch.randn(4, 5)
    x[0, 1] = x[1, 0] = x[1, 4] = -float("inf")
    x[2, :] = -float("inf")
    x[3, 2] = 1e4
    check_op(lambda x: torch_fn(x, -1), (x,), name)
    mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
    check_op(lambda s, m: torch_fn(s.masked_fill(m, float("-inf")), dim=-1), (torch.randn(2, 5, 5), mask), name)


# (input H, W), F.interpolate's size or scale_factor
RESIZE_CASES = [
    ((4, 4), {"scale_factor": 2}),
    ((4, 6), {"scale_factor": 1.5}),
    ((5, 3), {"scale_factor": 1.5}),
    ((3, 4), {"scale_factor": (2, 3)}),
    ((5, 7), {"size": (8, 9)}),
    ((8, 9), {"size": (3, 5)}),          # downsampling
]


# Float unary maps: their shapes, and the special values each is also run on.
UNARY_SHAPES = [(), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 17), (0, 3)]


def unary_special():
    """±0, halves, ±1, 2.5, ±inf and NaN: a new tensor each call."""
    return torch.tensor([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, float("inf"), float("-inf"), float("nan")])
