"""RSQRT: elementwise rsqrt."""
import numpy as np



def rsqrt(x: np.ndarray, out: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        np.divide(1.0, np.sqrt(x), out=out, casting="unsafe")
