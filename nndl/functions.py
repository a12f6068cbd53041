"""Activation functions, softmax and their derivatives (draft sections 2.5 and 5.1.1).

Every function works elementwise on arrays of any shape, except the softmax family, which works
along ``axis`` (the last one by default, so a batch ``(N, K)`` gives one distribution per row).
All of them are numerically stable: finite inputs of any size (up to ±1e308) produce no overflow
warning and no NaN.  Floating inputs keep their dtype; integer inputs are computed in float64.
These are unchecked math kernels: like NumPy's ufuncs they let NaN and inf through (a NaN logit
makes its whole softmax row NaN).  The checked entry points, the losses and the training loops,
reject non-finite data with an error naming the argument and the row.

Derivatives follow the draft's *denominator layout*: for f: R^p -> R^q the Jacobian is p x q
with entry (i, j) = d f_j / d x_i (2.19).  For the elementwise functions and softmax the Jacobian
is symmetric, so the layout only matters in `nndl.gradcheck` and in later chapters.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_real_array, require_ndim

__all__ = [
    "logistic",
    "logistic_derivative",
    "logistic_jacobian",
    "tanh",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "softplus",
    "softplus_derivative",
    "logsumexp",
    "softmax",
    "log_softmax",
    "softmax_jacobian",
    "elementwise_jacobian",
    "ACTIVATIONS",
]


# ----------------------------------------------------------------------------- scalar functions
def logistic(x):
    """Logistic function σ(x) = 1 / (1 + e^{-x}), eq. (2.38) and (5.3).

    Computed from e^{-|x|} ≤ 1 so that neither branch can overflow.
    """
    x = as_real_array(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logistic_derivative(x):
    """σ'(x) = σ(x)(1 − σ(x)), eq. (2.39); evaluated as e^{-|x|} / (1 + e^{-|x|})², which is equal."""
    x = as_real_array(x)
    e = np.exp(-np.abs(x))
    return np.minimum(e / (1.0 + e) ** 2, 0.25)  # rounding alone can exceed the maximum 1/4 near 0


def tanh(x):
    """Hyperbolic tangent (e^x − e^{-x}) / (e^x + e^{-x}), eq. (5.4); equals 2σ(2x) − 1."""
    return np.tanh(as_real_array(x))


def tanh_derivative(x):
    """tanh'(x) = 1 − tanh²(x), the derivative of (5.4), at most 1 (reached at x = 0)."""
    t = np.tanh(as_real_array(x))
    return 1.0 - t * t


def relu(x):
    """Rectifier max(0, x), eq. (5.5)."""
    x = as_real_array(x)
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def relu_derivative(x):
    """Derivative of the rectifier (5.5): 1 for x > 0, 0 for x < 0, and by convention 0 at x = 0."""
    x = as_real_array(x)
    return (x > 0).astype(x.dtype)


def softplus(x):
    """softplus(x) = log(1 + e^x), eq. (5.6), evaluated as max(x, 0) + log1p(e^{-|x|})."""
    x = as_real_array(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def softplus_derivative(x):
    """softplus'(x) = σ(x): the derivative of the smooth rectifier (5.6) is the logistic function."""
    return logistic(x)


# ---------------------------------------------------------------------------- softmax family
def _check_axis(x: np.ndarray, axis: int, name: str) -> None:
    if x.ndim == 0:
        raise ValueError(f"{name} expects an array with at least one axis, e.g. (K,) or (N, K); got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for an array of shape {x.shape}")


def _shift_by_max(x: np.ndarray, axis: int):
    """(m, x − m) with m the maximum along ``axis`` (kept), 0 where that maximum is not finite.

    x − m ≤ 0, so exp(x − m) ≤ 1 cannot overflow.  When x spans more than the float range
    (−1e308 next to 1e308) the difference itself overflows to −inf, whose exp is exactly 0,
    the right value: that overflow is expected and not reported.
    """
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)  # all −inf: stays −inf, no NaN
    with np.errstate(over="ignore"):
        return m, x - m


def logsumexp(x, axis: int = -1, keepdims: bool = False):
    """log Σ_k exp(x_k) along ``axis`` (the log of the normalizer of softmax (2.42)), computed as
    m + log Σ_k exp(x_k − m), m = max_k x_k."""
    x = as_real_array(x)
    _check_axis(x, axis, "logsumexp")
    m, shifted = _shift_by_max(x, axis)
    with np.errstate(divide="ignore"):
        out = m + np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x, axis: int = -1):
    """softmax(x)_k = exp(x_k) / Σ_i exp(x_i), eq. (2.42) and (2.45), along ``axis``.

    Shift-invariant: softmax(x + c) = softmax(x), which is what makes subtracting the maximum safe.
    """
    x = as_real_array(x)
    _check_axis(x, axis, "softmax")
    e = np.exp(_shift_by_max(x, axis)[1])
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1):
    """log softmax(x) = (x − m) − log Σ_k exp(x_k − m), m = max_k x_k: the log of (2.42).

    Finite even where softmax itself underflows to 0.  Written with the shift m on *both* terms,
    not as x − logsumexp(x): at large logits m + log Σ rounds away the small log Σ (tied logits
    1e16 would give 0 instead of −log 2; float32 logits near 1e4 lose everything below 1e-3).
    """
    x = as_real_array(x)
    _check_axis(x, axis, "log_softmax")
    _, shifted = _shift_by_max(x, axis)
    with np.errstate(divide="ignore", invalid="ignore"):  # an all −inf slice: NaN (0/0)
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# ------------------------------------------------------------------------------- Jacobians
def elementwise_jacobian(derivative, x):
    """Jacobian of an elementwise function: diag(f'(x)), eq. (2.36)–(2.37).

    ``derivative`` is f' (for example `logistic_derivative`); ``x`` is one vector (K,) or a batch
    (N, K), giving (K, K) or (N, K, K).
    """
    if not callable(derivative):
        raise TypeError(f"derivative must be a callable f'(x), got {type(derivative).__name__}")
    x = as_real_array(x)
    require_ndim(x, (1, 2), "x", "(K,) or (N, K)")
    d = np.asarray(derivative(x))
    if d.shape != x.shape:
        raise ValueError(f"derivative(x) must have the shape of x {x.shape}, got {d.shape}")
    jac = np.zeros(x.shape + (x.shape[-1],), dtype=d.dtype)
    idx = np.arange(x.shape[-1])
    jac[..., idx, idx] = d
    return jac


def logistic_jacobian(x):
    """Jacobian of σ applied to a vector: diag(σ(x) ⊙ (1 − σ(x))), eq. (2.41)."""
    return elementwise_jacobian(logistic_derivative, x)


def softmax_jacobian(x):
    """Jacobian of softmax at x: diag(s) − s sᵀ with s = softmax(x), eq. (2.46).

    ``x`` is (K,) or a batch (N, K); the result is (K, K) or (N, K, K), symmetric, so it is the
    same in numerator and denominator layout.
    """
    x = as_real_array(x)
    require_ndim(x, (1, 2), "x", "(K,) or (N, K)")
    s = softmax(x, axis=-1)
    jac = -s[..., :, None] * s[..., None, :]
    idx = np.arange(x.shape[-1])
    jac[..., idx, idx] += s
    return jac


#: name -> (function, derivative) of (2.38) and (5.3)–(5.6), for layers and widgets that let the
#: reader pick an activation.
ACTIVATIONS = {
    "logistic": (logistic, logistic_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "softplus": (softplus, softplus_derivative),
}
