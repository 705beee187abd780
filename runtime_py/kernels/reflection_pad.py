"""REFLECTION_PAD: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def reflection_pad(*args, **options):
    raise NotImplementedError("REFLECTION_PAD")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: REFLECTION_PAD is not implemented in this build")
