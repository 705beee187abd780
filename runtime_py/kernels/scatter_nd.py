"""SCATTER_ND: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def scatter_nd(*args, **options):
    raise NotImplementedError("SCATTER_ND")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: SCATTER_ND is not implemented in this build")
