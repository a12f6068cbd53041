"""Gradient-based parameter learning (draft section 3.1.4) and two later methods.

An optimizer updates a dict of parameter arrays from a dict of gradients with the same keys:

    opt = Momentum(lr=0.1)
    opt.step(model.params, model.grads)      # model.params' arrays change IN PLACE

Every optimizer keeps its running quantities (velocity, sums of squares, ...) separately for each
parameter name, in ``opt.state[name]``; ``reset()`` forgets them.  Each subclass's ``_update`` is
the equation it cites, one line per equation, written for one parameter array.

What the draft calls batch gradient descent (3.19), SGD (3.21) and mini-batch SGD are all `GD`:
they differ only in the gradient it is fed, which `minibatches` helps to choose.

Where the draft's formulas are wrong, the code follows the corrected form and the docstring says
so: (3.20) is a mean, not a sum (erratum 8); the momentum rule (3.22) is circular as printed
(erratum 9); AdaGrad (3.23) needs an ε, and what shrinks is the effective learning rate, not the
gradient (erratum 10).  `RMSprop` and `Adam` are beyond the draft.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np

from ._validation import as_count as _count
from ._validation import as_positive, as_real_array, as_real_number, check_loss, diverged, require_finite

__all__ = [
    "Optimizer",
    "GD",
    "Momentum",
    "AdaGrad",
    "AdaDelta",
    "RMSprop",
    "Adam",
    "minibatches",
    "minimize",
    "race_quadratic",
    "quadratic",
]


# ------------------------------------------------------------------------ hyper-parameters
def _decay(value, name: str) -> float:
    """A decay rate ρ or β: a real number with 0 <= value < 1."""
    value = as_real_number(value, name)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must satisfy 0 <= {name} < 1, got {value!r}")
    return value


# ------------------------------------------------------------------------------ base class
class Optimizer:
    """Base class of the update rules of section 3.1.4: checks the two dicts, keeps per-parameter
    state, calls ``_update`` per array.

    Subclasses implement ``_update(param, grad, state)``, which changes ``param`` in place;
    ``state`` is this parameter's own dict (empty on its first step), so two parameters never
    share a running average.
    """

    def __init__(self) -> None:
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self._shapes: dict[str, tuple[int, ...]] = {}

    def reset(self) -> None:
        """Forget all running quantities, as if no step had been taken."""
        self.state.clear()
        self._shapes.clear()

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """Update every array in ``params`` in place using ``grads[name]``.

        Everything is checked before anything changes, so a bad call leaves params and state as
        they were.  A gradient holding NaN or inf raises ValueError naming the parameter: applied,
        it would silently turn the parameter (and every later step) into NaN.
        """
        checked = self._check(params, grads)
        for name, param, grad in checked:
            state = self.state.setdefault(name, {})
            self._shapes[name] = param.shape
            self._update(param, grad, state)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    def _check(self, params, grads):
        for label, d in (("params", params), ("grads", grads)):
            if not isinstance(d, Mapping):
                raise TypeError(f"{label} must be a dict name -> array, got {type(d).__name__}")
        if set(params) != set(grads):
            missing = sorted(map(str, set(params) - set(grads)))
            extra = sorted(map(str, set(grads) - set(params)))
            raise ValueError(
                "params and grads must have the same keys; "
                f"missing from grads: {missing}, in grads but not in params: {extra}"
            )
        checked = []
        for name, param in params.items():
            if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
                kind = param.dtype if isinstance(param, np.ndarray) else type(param).__name__
                raise TypeError(
                    f"params[{name!r}] must be a floating-point NumPy array (it is updated in "
                    f"place), got {kind}"
                )
            if not param.flags.writeable:
                raise ValueError(f"params[{name!r}] is read-only; it must be updated in place")
            grad = as_real_array(grads[name], name=f"grads[{name!r}]")
            if grad.shape != param.shape:
                raise ValueError(
                    f"grads[{name!r}] has shape {grad.shape} but params[{name!r}] has shape "
                    f"{param.shape}; they must match"
                )
            if not np.isfinite(grad).all():
                bad = grad[~np.isfinite(grad)].flat[0]
                raise ValueError(
                    f"grads[{name!r}] holds {bad} (not finite): the step would make params[{name!r}] "
                    f"NaN. The computation that produced it diverged; try a smaller learning rate"
                )
            if name in self._shapes and self._shapes[name] != param.shape:
                raise ValueError(
                    f"params[{name!r}] has shape {param.shape} but this optimizer's state for "
                    f"{name!r} has shape {self._shapes[name]}; call reset() before reusing it"
                )
            checked.append((name, param, grad))
        return checked

    def __repr__(self) -> str:
        hyper = ", ".join(
            f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_") and k != "state"
        )
        return f"{type(self).__name__}({hyper})"


# ------------------------------------------------------------------------ the draft's methods
class GD(Optimizer):
    """Gradient descent θ_t = θ_{t−1} − λ g_t, eq. (3.16) and (3.19).

    Batch GD, SGD (3.21) and mini-batch SGD are this same rule; they differ only in whether g_t is
    the gradient of the mean loss over all N samples, over one sample, or over a mini-batch.
    (3.20) should read (1/N)Σ_i ∂L(y⁽ⁱ⁾, f(x⁽ⁱ⁾, θ_t))/∂θ: the mean, not the sum (erratum 8).
    On f(x) = ½xᵀAx it converges iff 0 < lr < 2/L, L the largest eigenvalue of A.
    """

    def __init__(self, lr: float) -> None:
        super().__init__()
        self.lr = as_positive(lr, "lr")

    def _update(self, param, grad, state):
        param -= self.lr * grad  # (3.16)


class Momentum(Optimizer):
    """Momentum (heavy ball), eq. (3.22) corrected (erratum 9):

        Δθ_t = ρ Δθ_{t−1} − λ g_t,    θ_t = θ_{t−1} + Δθ_t,    Δθ_0 = 0.

    The draft defines Δθ_t := θ_t − θ_{t−1} and then uses Δθ_t on both sides of (3.22); solved
    as printed that gives Δθ_t = −λ g_t / (1 − ρ), which is plain GD with rate λ / (1 − ρ).
    The momentum term needs the *previous* update Δθ_{t−1}, kept in ``state["velocity"]``.
    """

    def __init__(self, lr: float, rho: float = 0.9) -> None:
        super().__init__()
        self.lr = as_positive(lr, "lr")
        self.rho = _decay(rho, "rho")

    def _update(self, param, grad, state):
        v = state.setdefault("velocity", np.zeros_like(param))
        v *= self.rho
        v -= self.lr * grad  # Δθ_t = ρΔθ_{t−1} − λg_t
        param += v  # θ_t = θ_{t−1} + Δθ_t


class AdaGrad(Optimizer):
    """AdaGrad [Duchi et al., 2011], eq. (3.23) with an ε (erratum 10):

        G_t = Σ_{τ≤t} g_τ²,    θ_t = θ_{t−1} − λ / (√G_t + ε) ⊙ g_t     (elementwise).

    What shrinks over the iterations is the effective learning rate λ / (√G_t + ε), which never
    increases, not the gradient.  Without ε a component whose gradients have all been 0 gives
    0/0 = NaN.  ``state["sum_sq"]`` holds G_t.
    """

    def __init__(self, lr: float, eps: float = 1e-8) -> None:
        super().__init__()
        self.lr = as_positive(lr, "lr")
        self.eps = as_positive(eps, "eps")

    def _update(self, param, grad, state):
        G = state.setdefault("sum_sq", np.zeros_like(param))
        G += grad * grad  # Σ_τ g_τ²
        param -= self.lr * grad / (np.sqrt(G) + self.eps)  # (3.23) + ε


class AdaDelta(Optimizer):
    """AdaDelta [Zeiler, 2012], eq. (3.24)–(3.27), exactly Zeiler's Algorithm 1 (no learning rate):

        E[g²]_t  = ρ E[g²]_{t−1} + (1 − ρ) g_t²                                (3.24)
        Δθ_t     = −√(E[Δθ²]_{t−1} + ε) / √(E[g²]_t + ε) ⊙ g_t                 (3.25)
        E[Δθ²]_t = ρ E[Δθ²]_{t−1} + (1 − ρ) Δθ_t²                              (3.26)
        θ_t      = θ_{t−1} + Δθ_t                                              (3.27)

    Both averages start at 0, so the first steps are of size about √ε / √(1 − ρ), whatever the
    scale of the gradient: ε sets how fast AdaDelta starts.
    """

    def __init__(self, rho: float = 0.95, eps: float = 1e-6) -> None:
        super().__init__()
        self.rho = _decay(rho, "rho")
        self.eps = as_positive(eps, "eps")

    def _update(self, param, grad, state):
        rho, eps = self.rho, self.eps
        Eg2 = state.setdefault("avg_sq_grad", np.zeros_like(param))
        Edx2 = state.setdefault("avg_sq_update", np.zeros_like(param))
        Eg2 *= rho
        Eg2 += (1 - rho) * grad * grad  # (3.24)
        dx = -np.sqrt(Edx2 + eps) / np.sqrt(Eg2 + eps) * grad  # (3.25)
        Edx2 *= rho
        Edx2 += (1 - rho) * dx * dx  # (3.26)
        param += dx  # (3.27)


# -------------------------------------------------------------------------- beyond the draft
class RMSprop(Optimizer):
    """RMSprop [Hinton, lecture notes 2012]: beyond the 2015 draft.

        E[g²]_t = ρ E[g²]_{t−1} + (1 − ρ) g_t²,    θ_t = θ_{t−1} − λ / (√E[g²]_t + ε) ⊙ g_t.

    AdaGrad with the sum of squares replaced by the moving average (3.24), so the effective
    learning rate can grow again.
    """

    def __init__(self, lr: float, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__()
        self.lr = as_positive(lr, "lr")
        self.rho = _decay(rho, "rho")
        self.eps = as_positive(eps, "eps")

    def _update(self, param, grad, state):
        Eg2 = state.setdefault("avg_sq_grad", np.zeros_like(param))
        Eg2 *= self.rho
        Eg2 += (1 - self.rho) * grad * grad
        param -= self.lr * grad / (np.sqrt(Eg2) + self.eps)


class Adam(Optimizer):
    """Adam [Kingma and Ba, 2015]: beyond the 2015 draft.

        m_t = β₁ m_{t−1} + (1 − β₁) g_t,      v_t = β₂ v_{t−1} + (1 − β₂) g_t²,
        m̂_t = m_t / (1 − β₁ᵗ),                v̂_t = v_t / (1 − β₂ᵗ),
        θ_t = θ_{t−1} − λ m̂_t / (√v̂_t + ε).

    Momentum on the gradient plus RMSprop's scaling, with the zero-initialised averages
    bias-corrected.  The step count t is kept per parameter in ``state["t"]``.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__()
        self.lr = as_positive(lr, "lr")
        self.beta1 = _decay(beta1, "beta1")
        self.beta2 = _decay(beta2, "beta2")
        self.eps = as_positive(eps, "eps")

    def _update(self, param, grad, state):
        b1, b2 = self.beta1, self.beta2
        m = state.setdefault("m", np.zeros_like(param))
        v = state.setdefault("v", np.zeros_like(param))
        t = state["t"] = state.get("t", 0) + 1
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * grad * grad
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# ------------------------------------------------------------------ a test problem
def race_quadratic(condition: float = 100.0, angle_deg: float = 20.0) -> np.ndarray:
    """The Hessian A of an ill-conditioned quadratic f(θ) = ½ θᵀAθ, the valley of section 3.1.4:
    curvature 1/condition along the valley, which points at ``angle_deg`` from the θ₁ axis, and
    curvature 1 across it."""
    t = np.deg2rad(angle_deg)
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return R @ np.diag([1.0 / condition, 1.0]) @ R.T


def quadratic(A):
    """``value_and_grad`` of f(θ) = ½ θᵀAθ for `minimize`, the test problem of section 3.1.4:
    (f(θ), ∇f(θ) = Aθ), A symmetric (D, D)."""
    A = require_finite(as_real_array(A, "A"), "A")
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.allclose(A, A.T):
        raise ValueError(f"A must be a symmetric (D, D) matrix, got shape {A.shape}")

    def value_and_grad(theta):
        g = A @ theta
        return 0.5 * float(theta @ g), g

    return value_and_grad


# --------------------------------------------------------------------------------- helpers
def minibatches(n: int, batch_size: int, rng=None, shuffle: bool = True) -> Iterator[np.ndarray]:
    """Index arrays that cover range(n) exactly once: one epoch of mini-batches.

    ``batch_size = n`` (or more) gives one batch, batch GD (3.19); ``batch_size = 1`` gives SGD
    (3.21); in between, mini-batch SGD.  The last batch is smaller when batch_size does not
    divide n.  With ``shuffle`` the order is a permutation drawn from ``rng`` (a
    ``numpy.random.Generator`` or a seed; ``None`` draws fresh entropy, so pass a seed for
    repeatable runs); without it the batches are 0..b−1, b..2b−1, ...
    """
    n = _count(n, "n", 1)
    batch_size = _count(batch_size, "batch_size", 1)
    order = np.random.default_rng(rng).permutation(n) if shuffle else np.arange(n)
    return iter([order[i : i + batch_size] for i in range(0, n, batch_size)])


def minimize(value_and_grad: Callable, x0, optimizer: Optimizer, steps: int):
    """Run ``optimizer`` for ``steps`` steps of (3.16) (or its variants) on f, from a copy of ``x0``.

    ``value_and_grad(x)`` returns (f(x), ∇f(x)).  The optimizer is reset first, so every call
    starts from fresh state.  Returns ``(trajectory, values)``: trajectory has shape
    ``(steps + 1, *x0.shape)`` with trajectory[0] = x0, values[t] = f(trajectory[t]).

    Values that grow are returned (showing divergence is the point of some demos), but once
    f(x), its gradient or x stops being finite `nndl._validation.TrainingDiverged` names the step
    and the last finite value; the optimizer's overflow is computed silently, so no
    RuntimeWarnings come first.  NaN or inf in x0 raise ValueError.
    """
    if not callable(value_and_grad):
        raise TypeError(f"value_and_grad must be callable, got {type(value_and_grad).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nndl.optim.Optimizer, got {type(optimizer).__name__}")
    steps = _count(steps, "steps", 0)
    x = np.array(as_real_array(x0, "x0"), copy=True)  # floats keep their dtype, ints -> float64
    require_finite(x, "x0")
    optimizer.reset()
    trajectory = np.empty((steps + 1,) + x.shape, dtype=x.dtype)
    values = np.empty(steps + 1, dtype=np.float64)
    last_finite = None
    for t in range(steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            value, grad = value_and_grad(x)
        value = np.asarray(value)
        if value.ndim != 0:
            raise ValueError(f"value_and_grad must return a scalar value, got shape {value.shape}")
        last_finite = check_loss(value, where=f"step {t}", last_finite=last_finite, limit=np.inf)
        trajectory[t] = x
        values[t] = value
        if t < steps:
            grad = as_real_array(grad, "the gradient")
            if not np.isfinite(grad).all():
                raise diverged(f"step {t}", "the gradient became non-finite", last_finite)
            with np.errstate(over="ignore", invalid="ignore"):
                optimizer.step({"x": x}, {"x": grad})
            if not np.isfinite(x).all():
                raise diverged(f"step {t + 1}", "x became non-finite", last_finite)
    return trajectory, values
