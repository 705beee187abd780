"""CONV_TRANSPOSE2D int8: placeholder until the kernel lands (refuses at load)."""
from runtime_py.kernels._checks import require


def conv_transpose2d(x, weight, bias, out, *, q, **options):
    raise NotImplementedError


def check(ins, quant, where):
    require(False, f"{where}: int8 CONV_TRANSPOSE2D is not implemented yet")
