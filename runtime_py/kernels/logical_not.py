"""LOGICAL_NOT: elementwise logical not."""
import numpy as np



def logical_not(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        np.logical_not(x, out=out)
