"""FULL: every element of the output is `value`."""


def full(out, *, value=0.0):
    out.fill(value)
