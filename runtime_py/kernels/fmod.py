"""FMOD: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def fmod(*args, **options):
    raise NotImplementedError("FMOD")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: FMOD is not implemented in this build")
