"""Pure numpy kernels, one op per file, named by the op's lower-case OpCode name.

A kernel takes input arrays, then output arrays (written in place), then the
op's options as keyword arguments; it never sees the program or the graph.
Beside it, `check(ins, out, options, where, int8)` holds the op's load-time rules
(shapes, dtypes, options; _checks.py has those families share), which the loader
calls through runtime_py/ops.py's CHECKS table."""
