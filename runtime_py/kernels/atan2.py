"""ATAN2: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def atan2(*args, **options):
    raise NotImplementedError("ATAN2")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: ATAN2 is not implemented in this build")
