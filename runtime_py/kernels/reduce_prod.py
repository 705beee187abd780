"""REDUCE_PROD: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def reduce_prod(*args, **options):
    raise NotImplementedError("REDUCE_PROD")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: REDUCE_PROD is not implemented in this build")
