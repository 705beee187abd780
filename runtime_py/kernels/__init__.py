"""Pure numpy kernels, one op per file, named by the op's lower-case OpCode name.

A kernel takes input arrays, then output arrays (written in place), then the
op's options as keyword arguments; it never sees the program or the graph."""
