"""LOG: elementwise log."""
import numpy as np



def log(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        np.log(x, out=out)
