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
    raise TypeError(f"{name} must be a real numeric array (float, int or bool), got dtype {arr.dtype}")


def require_ndim(arr: np.ndarray, allowed: tuple[int, ...], name: str, expected: str) -> None:
    """Raise ``ValueError`` unless ``arr.ndim`` is one of ``allowed``; ``expected`` shows the shape."""
    if arr.ndim not in allowed:
        raise ValueError(f"{name} must have shape {expected}, got shape {arr.shape}")


#: Floats above this are not class labels (and float64 -> int64 would wrap them around).
_LARGEST_LABEL = 2.0**53


def as_label_array(y, name: str = "y") -> np.ndarray:
    """Return class labels (integer indices 0, 1, ...) as an int64 array.

    Integer and bool arrays are accepted, and so are floats whose values are whole numbers
    (``[0., 2., 1.]``).  Non-numeric input raises ``TypeError``; NaN, inf, fractional, negative
    or absurdly large (> 2⁵³) labels raise ``ValueError``.  The shape is not checked here (use
    `require_ndim`).
    """
    arr = np.asarray(y)
    if arr.dtype.kind in "biu":
        labels = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        require_finite(arr, name)
        too_large = np.abs(arr) > _LARGEST_LABEL
        if np.any(too_large):
            bad = arr[too_large].reshape(-1)[0].item()
            raise ValueError(
                f"{name} must hold integer class labels 0, 1, ..., C-1; found {bad!r}, "
                f"which is too large to be a class label"
            )
        whole = arr == np.round(arr)
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


def as_real_number(value, name: str, *, minimum: float | None = None, strict: bool = False) -> float:
    """``value`` as a finite Python float; TypeError for a non-number (a bool, a string, an
    array), ValueError for NaN, ±inf or a value below ``minimum`` (at or below it if ``strict``).

    The one check behind every real-valued option (learning rates, l2, clip, ...).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {value!r}")
    return value


def as_positive(value, name: str) -> float:
    """``value`` as a float > 0 (`as_real_number` with ``minimum=0, strict=True``)."""
    return as_real_number(value, name, minimum=0.0, strict=True)


def as_nonnegative(value, name: str) -> float:
    """``value`` as a float >= 0 (`as_real_number` with ``minimum=0``), e.g. the l2 weight λ."""
    return as_real_number(value, name, minimum=0.0)


def as_flag(value, name: str) -> bool:
    """``value`` as a bool; anything else (1, "yes") raises TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_batch(x, name: str = "X", expected: str = "(N, ...)") -> np.ndarray:
    """``x`` as a real, finite array with a batch axis of at least one sample.

    TypeError for a non-numeric array; ValueError for a 0-d array, N = 0 or NaN/inf (naming the
    first bad row).  ``expected`` is the shape shown in the message.
    """
    arr = as_real_array(x, name)
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape {expected} with N >= 1 samples, got shape {arr.shape}")
    return require_finite(arr, name)


def require_same_n(X: np.ndarray, y: np.ndarray, xname: str = "X", yname: str = "y") -> None:
    """ValueError unless ``y`` is (N,) with the N rows of ``X``; the message shows both shapes."""
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{yname} must have shape (N,) with the N = {X.shape[0]} samples of {xname}; "
            f"got {xname} of shape {X.shape} and {yname} of shape {y.shape}"
        )


def require_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` if ``arr`` holds NaN or ±inf, naming ``name`` and the first bad entry.

    For an array with a batch axis the message gives the row (the first index), so a reader can
    find the bad sample.  Returns ``arr`` unchanged.
    """
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        where = (
            f"row {index[0]} (index {index})"
            if arr.ndim > 1
            else f"index {index[0]}"
            if arr.ndim == 1
            else "the scalar"
        )
        raise ValueError(
            f"{name} must be finite; found {arr[index].item()!r} at {where}. "
            f"Remove or impute non-finite values first."
        )
    return arr


def as_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """``dtype`` as a floating NumPy dtype; integer, bool or complex dtypes raise ``TypeError``.

    Weights drawn as small floats would be truncated to zeros by an integer dtype.
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name} must be a floating dtype such as np.float64, got {dtype!r}") from exc
    if dt.kind != "f":
        raise TypeError(f"{name} must be a floating dtype such as np.float32 or np.float64, got {dt}")
    return dt


class TrainingDiverged(FloatingPointError):
    """A training loop stopped because the loss became non-finite (or exploded).

    Raised by every ``fit``/``train`` loop of `nndl` instead of letting NaN weights through.
    """


def diverged(where: str, what: str, last_finite: float | None) -> TrainingDiverged:
    """The `TrainingDiverged` error for ``what`` (e.g. "the loss became nan") at ``where``."""
    before = "no finite loss before it" if last_finite is None else f"last finite loss {last_finite:.4g}"
    return TrainingDiverged(
        f"training diverged at {where}: {what} ({before}). "
        f"Try a smaller learning rate (or gradient clipping)."
    )


def check_loss(loss: float, *, where: str, last_finite: float | None, limit: float = 1e12) -> float:
    """Return ``loss`` as a float, or raise `TrainingDiverged` if it is non-finite or above ``limit``.

    ``where`` names the point of training (``"epoch 3"``, ``"step 120"``); ``last_finite`` is the
    last loss that was still finite, reported so the reader sees the blow-up.
    """
    loss = float(loss)
    if np.isfinite(loss) and abs(loss) <= limit:
        return loss
    raise diverged(where, f"the loss became {loss:.4g}", last_finite)


def check_finite_arrays(arrays, what: str, *, where: str, last_finite: float | None) -> None:
    """Raise `TrainingDiverged` if any array of the dict ``arrays`` holds NaN or ±inf.

    ``what`` says what the arrays are ("gradient", "parameter"); the message names the first
    non-finite entry, e.g. "the gradient '0.W' became inf".
    """
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        if not np.isfinite(arr).all():
            bad = arr[~np.isfinite(arr)].reshape(-1)[0].item()
            raise diverged(where, f"the {what} {name!r} became {bad}", last_finite)


def check_finite_scores(scores, *, where: str | None = None, last_finite: float | None = None) -> None:
    """Complain about non-finite model outputs, naming the first bad row.

    Outside training (``where`` None) that is a ``ValueError`` (the input was finite, so the
    parameters are not); during training it is `TrainingDiverged` at ``where``.
    """
    finite = np.isfinite(scores)
    if finite.all():
        return
    index = tuple(int(i) for i in np.argwhere(~finite)[0])
    what = f"the model's scores became {scores[index].item()} (row {index[0]})"
    if where is not None:
        raise diverged(where, what, last_finite)
    raise ValueError(f"{what} although the input is finite: are the model's parameters finite?")
