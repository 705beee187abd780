"""The Ember program format: `program.fbs` and the Python code flatc generates from it.

`program_generated.py` is produced by `make schema` (flatc --python --gen-object-api
--gen-onefile); never edit it by hand. A test fails when it is stale.
"""
from schema import program_generated as fb

VERSION_MAJOR = 2
VERSION_MINOR = 4
FILE_IDENTIFIER = b"EMBR"
CONSTANT_ALIGNMENT = 64
ARENA_ALIGNMENT = 16

__all__ = ["fb", "VERSION_MAJOR", "VERSION_MINOR", "FILE_IDENTIFIER",
           "CONSTANT_ALIGNMENT", "ARENA_ALIGNMENT"]
