"""CONV_TRANSPOSE2D: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def conv_transpose2d(*args, **options):
    raise NotImplementedError("CONV_TRANSPOSE2D")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: CONV_TRANSPOSE2D is not implemented in this build")
