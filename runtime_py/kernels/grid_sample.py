"""GRID_SAMPLE: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def grid_sample(*args, **options):
    raise NotImplementedError("GRID_SAMPLE")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: GRID_SAMPLE is not implemented in this build")
