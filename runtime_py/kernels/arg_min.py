"""ARG_MIN: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def arg_min(*args, **options):
    raise NotImplementedError("ARG_MIN")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: ARG_MIN is not implemented in this build")
