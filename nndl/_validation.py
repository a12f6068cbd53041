"""Input checks shared by the public entry points: clear errors instead of deep NumPy tracebacks."""
from __future__ import annotations

import numpy as np


def as_real_array(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a real floating array (integers and bools become float64).

    Floating inputs keep their dtype, so float32 stays float32.  Complex, string and object
    inputs raise ``TypeError`` naming the argument and the dtype that was received.
    """
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(
        f"{name} must be a real numeric array (float, int or bool), got dtype {arr.dtype}"
    )


def require_ndim(arr: np.ndarray, allowed: tuple[int, ...], name: str, expected: str) -> None:
    """Raise ``ValueError`` unless ``arr.ndim`` is one of ``allowed``; ``expected`` shows the shape."""
    if arr.ndim not in allowed:
        raise ValueError(f"{name} must have shape {expected}, got shape {arr.shape}")
