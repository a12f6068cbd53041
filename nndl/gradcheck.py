"""Finite-difference derivatives, the independent check behind every derivation (draft 2.4).

The derivative (2.17) is a limit; here it is approximated with the central difference

    f'(x) ≈ (f(x + h) − f(x − h)) / 2h,

whose truncation error is O(h²) (the forward difference's is O(h)), while round-off grows like
ε/h.  A step near 1e-6 balances the two in float64, so inputs are always copied to float64.

Layouts follow the draft: the gradient of a scalar f has the shape of its argument (2.18), and
the Jacobian of f: R^p -> R^q is p x q with entry (i, j) = ∂f_j/∂x_i (denominator layout, 2.19).
"""

from __future__ import annotations

import copy
import types

import numpy as np

from . import _parallel
from ._validation import as_real_array, require_finite

__all__ = [
    "numerical_gradient",
    "numerical_jacobian",
    "relative_error",
    "finite_difference_errors",
    "converted_copy",
    "layer_gradient_errors",
    "check_layer",
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
    return _gradient_entries(f, x, np.ndindex(x.shape), h).reshape(x.shape)


def _gradient_entries(f, x, indices, h):
    """Central differences ∂f/∂x[idx] for every idx of ``indices``, as a flat float64 array;
    ``x`` is the float64 copy of `_check_inputs`."""
    grad = []
    for idx in indices:
        fp, fm = _central_pair(f, x, idx, h)
        if fp.size != 1:
            raise ValueError(
                f"numerical_gradient needs a scalar-valued f; f returned shape {fp.shape} "
                "(use numerical_jacobian for vector-valued functions)"
            )
        grad.append((fp.item() - fm.item()) / (2 * h))
    return np.array(grad, dtype=np.float64)


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
    for i, idx in enumerate(np.ndindex(x.shape)):  # row-major order, as x.reshape(-1)
        fp, fm = _central_pair(f, x, idx, h)
        if fp.size != q:
            raise ValueError(f"f changed its output size from {q} to {fp.size} when x was perturbed")
        jac[i] = (fp.reshape(-1) - fm.reshape(-1)) / (2 * h)
    return jac


def relative_error(actual, expected) -> float:
    """‖actual − expected‖ / (‖actual‖ + ‖expected‖), 0 when both are zero: how the checks of
    section 2.4 compare a derivation with finite differences (2.17).

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
    """Absolute errors of the forward and central differences (2.17) of a scalar f at x0, for each h.

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


# ------------------------------------------------------------------- layers (chapters 5–7)
# A conformance check in the style of scikit-learn's check_estimator: any object with the layer
# protocol of `nndl.nn` (params, grads, forward, backward; recurrent layers take h0/c0).


def converted_copy(model, dtype):
    """A deep copy of a layer (or a `nndl.nn.Sequential` of them) with params and grads of ``dtype``
    (float64 for the finite-difference checks of section 2.4).

    Nested ``layers`` are converted too; the model itself is untouched.  TypeError if a
    parameter could not be converted (a layer whose ``params`` is computed in an unknown way).
    """
    dtype = np.dtype(dtype)
    model = copy.deepcopy(model)

    def convert(obj):
        for layer in getattr(obj, "layers", ()):
            convert(layer)
        for attr in ("params", "grads"):
            arrays = getattr(obj, "__dict__", {}).get(attr)  # not Sequential's merged views
            if isinstance(arrays, dict):
                for k, v in arrays.items():
                    arrays[k] = np.asarray(v, dtype=dtype)

    convert(model)
    left = sorted(k for k, v in model.params.items() if v.dtype != dtype)
    if left:
        raise TypeError(
            f"could not convert the parameters {left} of {model!r} to {dtype}; "
            f"build the model with dtype={dtype.name}"
        )
    return model


def _state_grad(layer, name: str):
    """The gradient of an initial state after backward: ``layer.dh0`` for ``h0``, and so on."""
    g = getattr(layer, "d" + name, None)
    if g is None:
        raise AssertionError(f"{layer!r} takes {name}= but exposes no d{name} after backward")
    return g


def layer_gradient_errors(layer, x, dy, entries=None, rng=0, h: float = 1e-6, **state):
    """Relative errors of backpropagation against central differences (2.17) for J = Σ dy ⊙ layer(x).

    Returns a dict: every parameter name, ``"x"`` (what ``backward`` returns) and every initial
    state passed as a keyword (``h0=``, ``c0=``: compared with ``layer.dh0``, ``layer.dc0``).
    ``entries``: check that many randomly chosen entries of each array (drawn with ``rng``), or
    all of them (None).  Parameters are restored afterwards.  Run it in float64 (`check_layer`
    makes a float64 copy): float32 round-off divided by h would swamp the differences.
    """
    rng = np.random.default_rng(rng)
    dy = np.asarray(dy)

    def J(x=x, **over):
        return float(np.sum(layer.forward(x, **{**state, **over}) * dy))

    layer.forward(x, **state)
    analytic = {"x": layer.backward(dy)}
    analytic.update({k: np.array(v, copy=True) for k, v in layer.grads.items()})
    analytic.update({k: _state_grad(layer, k) for k in state})

    def error(name, f, at):
        at = _check_inputs(f, at, h)
        if entries is None or entries >= at.size:
            numeric = _gradient_entries(f, at, np.ndindex(at.shape), h).reshape(at.shape)
            return relative_error(analytic[name], numeric)
        flat = rng.choice(at.size, size=entries, replace=False)
        numeric = _gradient_entries(f, at, zip(*np.unravel_index(flat, at.shape)), h)
        return relative_error(np.asarray(analytic[name]).reshape(-1)[flat], numeric)

    errors = {}
    for name, p in layer.params.items():
        orig = p.copy()

        def f(v, p=p):
            p[...] = v
            return J()

        errors[name] = error(name, f, orig)
        p[...] = orig
    errors["x"] = error("x", lambda v: J(x=v), x)
    for name in state:
        errors[name] = error(name, lambda v, name=name: J(**{name: v}), state[name])
    return errors


def _arrays_held(obj, found=None, seen=None) -> list:
    """Every ndarray reachable from ``obj`` through attributes, dicts, lists and tuples."""
    found, seen = ([], set()) if found is None else (found, seen)
    if id(obj) in seen or isinstance(
        obj, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    ):
        return found
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        found.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            _arrays_held(v, found, seen)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _arrays_held(v, found, seen)
    elif hasattr(obj, "__dict__"):
        _arrays_held(vars(obj), found, seen)
    return found


def check_layer(layer, x, *, tol: float = 1e-6, entries=None, seed=0, **state) -> None:
    """Check that ``layer`` follows the layer protocol of `nndl.nn`, or raise AssertionError.

    With J = Σ dy ⊙ ``forward(x, **state)`` for a random dy (``seed``), ``state`` the keyword
    arguments of forward (``h0``, ``c0`` of the recurrent layers), it checks:

    1. protocol: ``params`` and ``grads`` are dicts with the same keys; after backward every
       gradient has its parameter's shape, dx has x's shape, d<state> the state's;
    2. dtype: output and dx have the dtype of x promoted with the parameters (as `Dense`);
       a float32 copy of the layer on float32 input returns float32 output, dx and grads;
    3. no aliasing: the output, dx and grads of one call are unchanged by a second call with
       other inputs, and share no memory with the second call's results nor with any array
       the layer (or this thread's `nndl._parallel.scratch`) holds afterwards;
    4. repeatability: a third call with the first inputs gives bit-identical results;
    5. gradients (2.4): the relative error of every parameter's, the input's and every
       state's gradient against central differences is below ``tol``, on a float64 copy
       (`layer_gradient_errors`; ``entries`` samples that many entries per array).

    The message names the layer and the failed property.
    """
    name, text = type(layer).__name__, repr(layer)
    one_line = text.startswith(name + "(") and "\n" not in text  # not LeNet5's long repr
    who = f"check_layer({text if one_line else name})"

    def require(ok, prop, detail):
        if not ok:
            raise AssertionError(f"{who}: {prop}: {detail}")

    missing = [a for a in ("params", "grads", "forward", "backward") if not hasattr(layer, a)]
    require(not missing, "protocol", f"lacks {missing}")
    require(
        isinstance(layer.params, dict) and isinstance(layer.grads, dict),
        "protocol",
        "params and grads must be dicts name -> array",
    )
    require(
        set(layer.params) == set(layer.grads),
        "protocol",
        f"params {sorted(layer.params)} and grads {sorted(layer.grads)} have different keys",
    )
    rng = np.random.default_rng(seed)
    x = as_real_array(x, "x")
    state = {k: as_real_array(v, k) for k, v in state.items()}

    def other(a):
        return rng.normal(size=a.shape).astype(a.dtype)

    def call(layer, x, state, dy=None):
        """(outputs by name, dy) of one forward and backward pass."""
        y = layer.forward(x, **state)
        dy = other(y) if dy is None else dy
        out = {"output": y, "dx": layer.backward(dy)}
        require(
            set(layer.grads) == set(layer.params),
            "protocol",
            f"after backward, grads has the keys {sorted(layer.grads)}, params {sorted(layer.params)}",
        )
        out.update({f"grads[{k!r}]": v for k, v in layer.grads.items()})
        out.update({f"d{k}": _state_grad(layer, k) for k in state})
        return out, dy

    first, dy = call(layer, x, state)
    params = layer.params
    expected_shapes = {
        "dx": x.shape,
        **{f"grads[{k!r}]": p.shape for k, p in params.items()},
        **{f"d{k}": v.shape for k, v in state.items()},
    }
    for name, shape in expected_shapes.items():
        require(
            np.shape(first[name]) == shape,
            "shape",
            f"{name} has shape {np.shape(first[name])}, expected {shape}",
        )
    dtype = np.result_type(x, *params.values())
    for name in ("output", "dx"):
        require(
            first[name].dtype == dtype,
            "dtype",
            f"{name} is {first[name].dtype}, expected "
            f"{dtype} (x's dtype {x.dtype} promoted with the parameters)",
        )
    kept = {k: np.array(v, copy=True) for k, v in first.items()}

    second, _ = call(layer, other(x), {k: other(v) for k, v in state.items()})
    for name, value in first.items():
        require(
            np.array_equal(value, kept[name]),
            "aliasing",
            f"{name} of the first call was changed by a second call",
        )
        require(
            np.shape(second[name]) == np.shape(value) and second[name].dtype == value.dtype,
            "stable output",
            f"{name} changed from {value.dtype}{np.shape(value)} to "
            f"{second[name].dtype}{np.shape(second[name])} for input of the same shape",
        )
    held = list(second.items()) + [("an array the layer holds", a) for a in _arrays_held(layer)]
    held += [("a scratch array", a) for a in getattr(_parallel._local, "arrays", {}).values()]
    for name, value in first.items():
        for where, other_array in held:
            require(
                not np.shares_memory(value, other_array),
                "aliasing",
                f"{name} of the first call shares memory with {where} after a second call",
            )

    third, _ = call(layer, x, state, dy)
    for name, value in kept.items():
        require(
            np.array_equal(third[name], value),
            "repeatability",
            f"{name} differs between two calls with the same input",
        )

    wide = converted_copy(layer, np.float64)
    errors = layer_gradient_errors(
        wide,
        x.astype(np.float64),
        dy.astype(np.float64),
        entries,
        rng,
        **{k: v.astype(np.float64) for k, v in state.items()},
    )
    worst = max(errors, key=errors.get)
    require(
        errors[worst] < tol,
        "gradient",
        f"the gradient of {worst!r} has relative error "
        f"{errors[worst]:.2e} >= {tol:g} against central differences (all: {errors})",
    )

    narrow = converted_copy(layer, np.float32)
    single, _ = call(narrow, x.astype(np.float32), {k: v.astype(np.float32) for k, v in state.items()})
    for name, value in single.items():
        require(
            value.dtype == np.float32,
            "dtype",
            f"{name} is {value.dtype} for a float32 layer on float32 input",
        )
