"""NEG: elementwise neg."""
import numpy as np



def neg(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        np.negative(x, out=out)
