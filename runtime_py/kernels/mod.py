"""MOD: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def mod(*args, **options):
    raise NotImplementedError("MOD")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: MOD is not implemented in this build")
