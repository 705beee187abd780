"""CAST: convert to the output dtype; float to integer truncates toward zero, nonzero is true."""


def cast(x, out):
    out[...] = x.astype(out.dtype)
