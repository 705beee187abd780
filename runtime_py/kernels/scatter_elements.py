"""SCATTER_ELEMENTS: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def scatter_elements(*args, **options):
    raise NotImplementedError("SCATTER_ELEMENTS")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: SCATTER_ELEMENTS is not implemented in this build")
