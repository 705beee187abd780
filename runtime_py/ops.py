"""The kernel table, indexed by OpCode value, built from schema/ops.py.

`KERNELS[code]` is the kernel function of that op and `CHECKS[code]` its `check` (the
loader's per-operator rules, beside the kernel in runtime_py/kernels/<op>.py); the int8
kernels and their checks are by op name. `options_kwargs` unpacks an operator's options
table into keyword arguments."""
import importlib

from schema import fb
from schema.ops import INT8_OPS, TABLE_OPS

CODES = {name: value for name, value in vars(fb.OpCode).items() if not name.startswith("_")}


def _load():
    kernels, checks = [None] * (max(CODES.values()) + 1), [None] * (max(CODES.values()) + 1)
    for name, code in CODES.items():
        stem = name.lower()
        module = importlib.import_module(f"runtime_py.kernels.{stem}")
        kernels[code], checks[code] = getattr(module, stem), module.check
    return kernels, checks


KERNELS, CHECKS = _load()


def _load_int8():
    kernels, checks = {}, {}
    for name in INT8_OPS:
        stem = "lookup" if name in TABLE_OPS else name.lower()
        module = importlib.import_module(f"runtime_py.kernels.int8.{stem}")
        kernels[name], checks[name] = getattr(module, stem), module.check
    return kernels, checks


# Integer kernels (and their checks) by op name, for operators whose output is INT8.
INT8_KERNELS, INT8_CHECKS = _load_int8()


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

