"""The kernel table, indexed by OpCode value, built from schema/ops.py.

`KERNELS[code]` is the kernel function of that op; the adapter `call` unpacks an
operator's options table into keyword arguments."""
import importlib

from schema import fb
from schema.ops import INT8_OPS, TABLE_OPS

CODES = {name: value for name, value in vars(fb.OpCode).items() if not name.startswith("_")}


def _load():
    table = [None] * (max(CODES.values()) + 1)
    for name, code in CODES.items():
        stem = name.lower()
        module = importlib.import_module(f"runtime_py.kernels.{stem}")
        table[code] = getattr(module, stem)
    return table


KERNELS = _load()


def _load_int8():
    table = {}
    for name in INT8_OPS:
        stem = "lookup" if name in TABLE_OPS else name.lower()
        module = importlib.import_module(f"runtime_py.kernels.int8.{stem}")
        table[name] = getattr(module, stem)
    return table


# Integer kernels by op name, for operators whose output is INT8.
INT8_KERNELS = _load_int8()


def _snake(camel: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in camel)


def options_kwargs(options) -> dict:
    """An options object (generated *T class) as keyword arguments."""
    if options is None:
        return {}
    kwargs = {}
    for key, value in vars(options).items():
        if hasattr(value, "tolist"):
            value = value.tolist()
        kwargs[_snake(key)] = value
    return kwargs

