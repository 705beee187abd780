"""TABLE_LOOKUP: int8 only (its kernel and its int8 rules are int8/lookup.py's). There is
no float form: the loader refuses an operator whose output is not quantized INT8 (a table
input on a float operator), and this check says so again."""
from runtime_py.kernels._checks import require


def table_lookup(x, table, out):
    raise AssertionError("TABLE_LOOKUP has no float kernel (the loader refuses its float form)")


def check(ins, out, options, where, int8):
    require(int8, f"{where}: TABLE_LOOKUP is an int8 operator: its output must be quantized INT8")
