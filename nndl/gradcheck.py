"""Finite-difference derivatives, the independent check behind every derivation (draft 2.4).

The derivative (2.17) is a limit; here it is approximated with the central difference

    f'(x) ≈ (f(x + h) − f(x − h)) / 2h,

whose truncation error is O(h²) (the forward difference's is O(h)), while round-off grows like
ε/h.  A step near 1e-6 balances the two in float64, so inputs are always copied to float64.

Layouts follow the draft: the gradient of a scalar f has the shape of its argument (2.18), and
the Jacobian of f: R^p -> R^q is p x q with entry (i, j) = ∂f_j/∂x_i (denominator layout, 2.19).
"""
from __future__ import annotations

import numpy as np

from ._validation import as_real_array, require_finite

__all__ = [
    "numerical_gradient", "numerical_jacobian", "relative_error",
    "finite_difference_errors",
]


def _check_inputs(f, x, h):
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if isinstance(h, (bool, np.bool_)) or not (np.isscalar(h) and np.isreal(h) and np.isfinite(h) and h > 0):
        raise ValueError(f"step h must be a positive real number, got {h!r}")
    # A fresh C-ordered float64 copy: f only ever sees this array, and every perturbation below
    # writes into it (x[idx] = ...), whatever the layout of the caller's x (W.T, Fortran order,
    # a strided slice).
    return np.array(as_real_array(x), dtype=np.float64, order="C", copy=True)


def _evaluate(f, x):
    """f(x) as a float64 copy: f may return a view of x, which the next perturbation would change."""
    return np.array(f(x), dtype=np.float64, copy=True)


def numerical_gradient(f, x, h: float = 1e-6):
    """Central-difference gradient of a scalar function f at x; same shape as x, eq. (2.18).

    Works for vectors and matrices alike, so entry [i, j] of the result is ∂f/∂X_ij as in
    (2.25)–(2.26).
    """
    x = _check_inputs(f, x, h)
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        fp, fm = _central_pair(f, x, idx, h)
        if fp.size != 1:
            raise ValueError(
                f"numerical_gradient needs a scalar-valued f; f returned shape {fp.shape} "
                "(use numerical_jacobian for vector-valued functions)"
            )
        grad[idx] = (fp.item() - fm.item()) / (2 * h)
    return grad


def _central_pair(f, x, idx, h):
    """(f(x + h e_idx), f(x − h e_idx)), perturbing the entry ``x[idx]`` in place and restoring it."""
    orig = x[idx]
    x[idx] = orig + h
    fp = _evaluate(f, x)
    x[idx] = orig - h
    fm = _evaluate(f, x)
    x[idx] = orig
    return fp, fm


def numerical_jacobian(f, x, h: float = 1e-6):
    """Central-difference Jacobian of f at x in denominator layout, eq. (2.19).

    For x of size p and f(x) of size q the result is (p, q) with entry (i, j) = ∂f_j/∂x_i;
    arrays of higher rank are flattened in NumPy's row-major order.
    """
    x = _check_inputs(f, x, h)
    q = np.asarray(f(x)).size
    jac = np.empty((x.size, q))
    for i, idx in enumerate(np.ndindex(x.shape)):          # row-major order, as x.reshape(-1)
        fp, fm = _central_pair(f, x, idx, h)
        if fp.size != q:
            raise ValueError(f"f changed its output size from {q} to {fp.size} when x was perturbed")
        jac[i] = (fp.reshape(-1) - fm.reshape(-1)) / (2 * h)
    return jac


def relative_error(actual, expected) -> float:
    """‖actual − expected‖ / (‖actual‖ + ‖expected‖), 0 when both are zero.

    Symmetric, at most 1, and insensitive to overall scale: values below 1e-7 mean agreement
    to about seven significant digits.  NaN or inf in either raise ValueError (a NaN error
    would make every ``error < tol`` check quietly False).
    """
    a = np.asarray(require_finite(as_real_array(actual, "actual"), "actual"), dtype=np.float64)
    b = np.asarray(require_finite(as_real_array(expected, "expected"), "expected"), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"actual and expected must have the same shape, got {a.shape} and {b.shape}")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    if scale == 0:
        return 0.0
    a, b = a / scale, b / scale  # so the norms below can neither overflow nor underflow
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def finite_difference_errors(f, derivative, x0: float, steps):
    """Absolute errors of the forward and central differences of a scalar f at x0 for each step h.

    Returns ``(forward, central)``, two arrays shaped like ``steps``.  Plotted against h on log
    axes they show truncation error (slope 1 and 2) meeting round-off error (slope −1).
    """
    if not (callable(f) and callable(derivative)):
        raise TypeError("f and derivative must both be callables that accept NumPy arrays (e.g. np.exp)")
    h = as_real_array(steps, "steps").astype(np.float64)
    if np.any(h <= 0):
        raise ValueError("every step h must be positive")
    exact = float(derivative(x0))
    fx = f(x0)
    forward = np.abs((f(x0 + h) - fx) / h - exact)
    central = np.abs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact)
    return forward, central
