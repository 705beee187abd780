"""GATHER_ELEMENTS: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def gather_elements(*args, **options):
    raise NotImplementedError("GATHER_ELEMENTS")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: GATHER_ELEMENTS is not implemented in this build")
