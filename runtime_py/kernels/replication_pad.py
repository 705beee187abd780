"""REPLICATION_PAD: PLACEHOLDER until its kernel lands (refused at load)."""
from runtime_py.errors import VerifyError


def replication_pad(*args, **options):
    raise NotImplementedError("REPLICATION_PAD")


def check(ins, out, options, where, int8):
    raise VerifyError(f"{where}: REPLICATION_PAD is not implemented in this build")
