"""Input checks shared by the public entry points: clear errors instead of deep NumPy tracebacks."""
from __future__ import annotations

import numbers

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


def as_label_array(y, name: str = "y") -> np.ndarray:
    """Return class labels (integer indices 0, 1, ...) as an int64 array.

    Integer and bool arrays are accepted, and so are floats whose values are whole numbers
    (``[0., 2., 1.]``).  Non-numeric input raises ``TypeError``; NaN, fractional or negative
    labels raise ``ValueError``.  The shape is not checked here (use `require_ndim`).
    """
    arr = np.asarray(y)
    if arr.dtype.kind in "biu":
        labels = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr))
        if not np.all(whole):
            bad = arr[~whole].reshape(-1)[0].item()
            raise ValueError(
                f"{name} must hold integer class labels 0, 1, ..., C-1; found the non-integer value {bad!r}"
            )
        labels = arr.astype(np.int64)
    else:
        raise TypeError(
            f"{name} must hold integer class labels (int, bool or whole-number floats), got dtype {arr.dtype}"
        )
    if labels.size and labels.min() < 0:
        raise ValueError(
            f"{name} must hold class labels 0, 1, ..., C-1; found the negative label {labels.min()}"
        )
    return labels


def as_count(value, name: str, minimum: int = 1) -> int:
    """``value`` as a Python int >= ``minimum``; bools and floats raise ``TypeError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
