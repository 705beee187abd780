"""REPLICATION_PAD: PAD's pads (before_0, after_0, before_1, ...) filled by repeating the
edge element (numpy's "edge"); a padded dimension is not empty."""
from runtime_py.kernels.reflection_pad import check_modes, pad_modes


def replication_pad(x, out, *, pads, value=0.0):
    pad_modes(x, out, pads, "edge")


def check(ins, out, options, where, int8):
    check_modes(ins, out, options, where, reflect=False)
