"""ARG_MAX: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def arg_max(*args, **options):
    raise NotImplementedError("ARG_MAX")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: ARG_MAX is not implemented in this build")
