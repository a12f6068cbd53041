"""Linear models (draft sections 3.2–3.3): linear and ridge regression, logistic and softmax regression.

Layout.  The draft writes one sample as a column x and stacks the samples as the *columns* of
X ∈ R^{(k+1)×N} (3.36), so its predictions are Xᵀw.  Here arrays are batch first: X is (N, D),
one sample per row, and the predictions are ``X @ w + b``; the draft's Xᵀw is our X̂ŵ with the
augmented X̂ = [1, X] of `add_bias_feature` (3.30)–(3.31).  The bias b is kept apart from w.

Objective.  Every model minimises the **mean** loss over the samples plus an L2 penalty on the
weights (the bias is not penalised), the structural risk (3.5)–(3.6):

    J(w, b) = (1/N) Σ_i L(y⁽ⁱ⁾, f(x⁽ⁱ⁾)) + (λ/2) ‖w‖²,   λ = ``l2``,

the one L2 convention of `nndl` (`nndl.training`).  The draft writes the penalty λ‖θ‖² (3.5),
so its λ is ``l2 / 2``: pass ``l2 = 2λ`` to get the draft's objective.  The draft's risks
(3.33), (3.45), (3.61) are sums; the mean is the sum divided by N, so gradients are 1/N times
the draft's (with the draft's errors corrected: the factor 2 in (3.38), erratum 12).

Parameters.  A model holds ``params`` and ``grads``, dicts with keys ``"w"`` and ``"b"``, so any
`nndl.optim` optimizer trains it: ``loss(X, y)`` returns J and fills ``grads``, and
``optimizer.step(model.params, model.grads)`` updates ``params`` in place.  The models also
follow the layer protocol of `nndl.nn` (``forward``, ``backward``, ``regularized``) and name
their loss (``default_loss()``), so `nndl.training.fit` trains them like any network.
Parameters are float64 and start at zero, as the draft initialises w₀ = 0: ``init(D)`` creates
them, and `nndl.training.fit`, ``loss`` and ``fit_normal_equations`` call it on first use with
D taken from X.  For a scalar output (linear and logistic regression) b is a 0-d array.
"""

from __future__ import annotations

import numpy as np

from . import functions as F
from . import losses
from ._validation import (
    as_count,
    as_nonnegative,
    as_real_array,
    require_finite,
    require_same_n,
)

__all__ = [
    "add_bias_feature",
    "LinearRegression",
    "LogisticRegression",
    "SoftmaxRegression",
    "ridge_gd_curves",
    "squared_risk",
    "gd_step_limit",
]


def add_bias_feature(X):
    """Prepend a column of ones: (N, D) -> (N, D+1), the augmented x̂ = 1 ⊕ x of (3.30).

    With ŵ = b ⊕ w (3.31, erratum 11: the draft prints 1 ⊕ w) the model f(x) = wᵀx + b becomes
    ŵᵀx̂ (3.29), i.e. ``add_bias_feature(X) @ w_hat`` for a batch.
    """
    X = _check_X(X)
    return np.concatenate([np.ones((X.shape[0], 1), dtype=X.dtype), X], axis=1)


# ------------------------------------------------------------------------------- validation
def _check_X(X, name: str = "X") -> np.ndarray:
    X = as_real_array(X, name)
    if X.ndim != 2:
        hint = " (one feature: use x[:, None]; one sample: x[None, :])" if X.ndim == 1 else ""
        raise ValueError(f"{name} must have shape (N, D), got shape {X.shape}{hint}")
    return X


# ------------------------------------------------------------------------------ base class
class _LinearModel:
    """Shared machinery: params/grads dicts, lazy init, checks and the l2 penalty."""

    #: The params the L2 penalty applies to (the bias is not penalised).
    regularized = ("w",)

    def __init__(self, l2: float = 0.0) -> None:
        self.l2 = as_nonnegative(l2, "l2")
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._X = None

    # -- parameters
    def _param_shapes(self, D: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return (D,), ()

    def init(self, D: int):
        """Create zero parameters for D input features (w₀ = 0, as in the draft); returns self."""
        D = as_count(D, "D (the number of features)", minimum=0)
        w_shape, b_shape = self._param_shapes(D)
        self.params = {"w": np.zeros(w_shape), "b": np.zeros(b_shape)}
        self.grads = {"w": np.zeros(w_shape), "b": np.zeros(b_shape)}
        return self

    @property
    def n_features(self) -> int | None:
        """D, or None before `init` (or a fit) has created the parameters."""
        return self.params["w"].shape[0] if "w" in self.params else None

    def _ready(self, X, init: bool, name: str = "X") -> np.ndarray:
        """Check X (N, D), finite, against the parameters.

        Creates the parameters first if ``init`` and there are none.
        """
        X = require_finite(_check_X(X, name), name)
        if self.n_features is None:
            if not init:
                raise ValueError(
                    f"{type(self).__name__} has no parameters yet, so the number of features D is "
                    "unknown: call fit(...) or init(D) first"
                )
            self.init(X.shape[1])
        elif X.shape[1] != self.n_features:
            raise ValueError(
                f"{name} has {X.shape[1]} features (shape {X.shape}) but the model's w was made for "
                f"D = {self.n_features}"
            )
        return X

    def build(self, X, name: str = "X") -> None:
        """Check X (N, D) and create zero parameters for its D if there are none (`nndl.training.fit`)."""
        self._ready(X, init=True, name=name)

    # -- the model
    def decision_function(self, X):
        """The linear scores f(x) = wᵀx + b for every row of X: (N,), or (N, C) for softmax.

        NaN or inf in X raise ValueError naming the row (so does every method taking X).
        """
        X = self._ready(X, init=False)
        return self._scores(X)

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return X @ self.params["w"] + self.params["b"]

    def forward(self, X):
        """The scores of `decision_function`, keeping X for `backward` (the layer protocol)."""
        self._X = self._ready(X, init=False)
        return self._scores(self._X)

    def backward(self, dz):
        """Fill grads from dJ/dz (shaped like the scores): ∂J/∂w = Xᵀdz, ∂J/∂b = Σ_i dz⁽ⁱ⁾; returns dJ/dX."""
        if self._X is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        X, w = self._X, self.params["w"]
        dz = as_real_array(dz, "dz")
        expected = X.shape[:1] + w.shape[1:]
        if dz.shape != expected:
            raise ValueError(f"dz must have the shape of the scores {expected}, got {dz.shape}")
        self.grads["w"][...] = X.T @ dz
        self.grads["b"][...] = dz.sum(axis=0)
        return np.multiply.outer(dz, w) if dz.ndim == 1 else dz @ w.T

    def default_loss(self) -> losses.Loss:
        """The loss layer this model is trained with (its risk's per-sample loss)."""
        raise NotImplementedError

    def _check_y(self, X, y, xname="X", yname="y"):
        """The targets, checked by the model's loss, with one per row of X."""
        y = self.default_loss().targets(y, yname)
        require_same_n(X, y, xname, yname)
        return y

    def loss(self, X, y) -> float:
        """Training objective J = mean loss + (l2/2)‖w‖² on (X, y), and fill ``self.grads``."""
        X = self._ready(X, init=True)
        y = self._check_y(X, y)
        loss = self.default_loss()
        z = self._scores(X)
        value = loss.forward(z, y)
        g = loss.backward()  # ∂(mean loss)/∂z, shape of z
        self.grads["w"][...] = X.T @ g + self.l2 * self.params["w"]
        self.grads["b"][...] = g.sum(axis=0)
        return value + self.penalty()

    def data_loss(self, X, y) -> float:
        """Mean loss on (X, y) without the penalty (the empirical risk (3.3)); grads are untouched."""
        X = self._ready(X, init=False)
        y = self._check_y(X, y)
        return self.default_loss().forward(self._scores(X), y)

    def penalty(self) -> float:
        """(l2/2)‖w‖² (the Frobenius norm for a matrix W); the bias is not penalised."""
        w = self.params["w"]
        return 0.5 * self.l2 * float(np.sum(w * w)) if self.l2 else 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(l2={self.l2!r})"


# ------------------------------------------------------------------------ linear regression
class LinearRegression(_LinearModel):
    """Linear regression f(x) = wᵀx + b (3.28) with the squared loss (3.32); ridge when l2 > 0.

    Objective J = (1/N)‖X̂ŵ − y‖² + (l2/2)‖w‖², the draft's (3.35) divided by N (its λ is l2/2).
    Its gradient is (2/N)X̂ᵀ(X̂ŵ − y) + l2·(0 ⊕ w); the draft's (3.38) lacks the factor 2 (erratum 12) and its
    update (3.41) the minus sign (erratum 14).
    """

    def default_loss(self) -> losses.Loss:
        """`nndl.losses.SquaredError`: the squared loss (3.32)."""
        return losses.SquaredError()

    def predict(self, X):
        """ŷ = Xw + b, shape (N,)."""
        return self.decision_function(X)

    def fit_normal_equations(self, X, y):
        """Set w, b to the exact minimiser of J (least squares (3.39)–(3.40), ridge if l2 > 0); returns self.

        Solves (X̂ᵀX̂ + (N·l2/2)·I′)ŵ = X̂ᵀy, I′ the identity with a 0 for the bias entry (so b is not
        penalised), computed in float64.  With l2 = 0 this needs X̂ᵀX̂ invertible: N ≥ D + 1 and
        the columns of [1, X] linearly independent (the draft's condition, erratum 13); otherwise
        a ValueError suggests l2 > 0, gradient descent or np.linalg.lstsq.  NaN or inf in X or
        y raise a ValueError naming the row (they would make X̂ᵀX̂ look singular).
        """
        X = self._ready(X, init=True)
        y = self._check_y(X, y)
        Xh = add_bias_feature(X).astype(np.float64, copy=False)
        A = Xh.T @ Xh
        if self.l2:
            idx = np.arange(1, A.shape[0])
            A[idx, idx] += X.shape[0] * self.l2 / 2
        if np.linalg.matrix_rank(A) < A.shape[0]:
            raise ValueError(
                f"X̂ᵀX̂ ({A.shape[0]}×{A.shape[0]}) is singular: with N = {X.shape[0]} samples and "
                f"D = {X.shape[1]} features the columns of [1, X] are linearly dependent "
                "(N < D + 1, a repeated or constant feature, ...). Use l2 > 0, gradient descent, "
                "or the minimum-norm solution np.linalg.lstsq(add_bias_feature(X), y)"
            )
        w_hat = np.linalg.solve(A, Xh.T @ y.astype(np.float64, copy=False))
        self.params["b"][...] = w_hat[0]
        self.params["w"][...] = w_hat[1:]
        return self


def ridge_gd_curves(F_train, y_train, F_val, y_val, lambdas, epochs, record):
    """Batch GD (3.16) from w = 0 on the ridge objective (3.5)–(3.6), J = mean squared error
    + (λ/2)‖w‖² (the package's L2 convention; the draft's λ‖w‖² is λ here = 2 λ_draft; the bias
    is not penalised, as in `LinearRegression`), for each λ.

    Returns ``(W, train, val)``: the augmented weights [b, w] after ``epochs`` steps as columns
    (D+1, len(lambdas)), and the training and validation mean squared errors
    (len(record), len(lambdas)) after each epoch in ``record``.  The step size is
    lr = 1 / (L + max λ), L the largest eigenvalue of (2/N) X̂ᵀX̂, the same for every λ.

    J is quadratic, with Hessian H = (2/N) X̂ᵀX̂ + λI′, so GD from 0 has a closed form: in the
    eigenbasis H = Q diag(h) Qᵀ, with c = Qᵀ(2/N)X̂ᵀy, coordinate i after t steps is
    c_i (1 − (1 − lr h_i)ᵗ) / h_i.  This gives the iterate of any epoch at once, exactly the
    numbers the loop θ ← θ − lr ∇J(θ) produces (up to rounding), without running 10⁵ steps.
    """
    Xh = np.column_stack([np.ones(len(y_train)), np.asarray(F_train, float)])
    Xv = np.column_stack([np.ones(len(y_val)), np.asarray(F_val, float)])
    yt, yv = np.asarray(y_train, float), np.asarray(y_val, float)
    lam = np.asarray(lambdas, dtype=np.float64)
    n, d = Xh.shape
    H0 = 2.0 / n * Xh.T @ Xh
    lr = 1.0 / (np.linalg.eigvalsh(H0).max() + lam.max())
    penalty = np.eye(d)
    penalty[0, 0] = 0.0  # the bias is not penalised
    steps = np.append(np.asarray(list(record), dtype=np.float64), float(epochs))
    W = np.empty((steps.size, d, lam.size))
    for j, l in enumerate(lam):
        h, Q = np.linalg.eigh(H0 + l * penalty)
        c = Q.T @ (2.0 / n * Xh.T @ yt)
        h_safe = np.where(h > 1e-12, h, 1.0)
        decay = (1.0 - lr * h_safe)[None, :] ** steps[:, None]  # (T, d)
        coords = np.where(h > 1e-12, c * (1.0 - decay) / h_safe, lr * steps[:, None] * c)
        W[:, :, j] = coords @ Q.T
    train = np.mean((np.einsum("nd,tdl->tnl", Xh, W[:-1]) - yt[None, :, None]) ** 2, axis=1)
    val = np.mean((np.einsum("nd,tdl->tnl", Xv, W[:-1]) - yv[None, :, None]) ** 2, axis=1)
    return W[-1], train, val


def squared_risk(X_hat, y):
    """``value_and_grad`` of the mean squared error R(ŵ) = (1/N)‖X̂ŵ − y‖², the draft's (3.35)
    divided by N, for `nndl.optim.minimize`: returns (R(ŵ), (2/N)X̂ᵀ(X̂ŵ − y)), the gradient
    (3.38) with the factor 2 of erratum 12.

    ``X_hat`` (N, D+1) holds the augmented samples of `add_bias_feature`, ``y`` (N,).
    """
    X_hat, y = _augmented_and_targets(X_hat, y)
    n = len(y)

    def value_and_grad(w_hat):
        r = X_hat @ w_hat - y
        return float(r @ r) / n, (2.0 / n) * (X_hat.T @ r)

    return value_and_grad


def gd_step_limit(X_hat) -> float:
    """2/L, L the largest eigenvalue of the Hessian (2/N)X̂ᵀX̂ of `squared_risk`: gradient descent
    (3.16) on that quadratic converges for every learning rate in (0, 2/L) and diverges above.

    ``X_hat`` (N, D+1) holds the augmented samples of `add_bias_feature`.
    """
    X_hat = _check_X(X_hat, "X_hat")
    n = X_hat.shape[0]
    return 2.0 / float(np.linalg.eigvalsh(2.0 / n * X_hat.T @ X_hat).max())


def _augmented_and_targets(X_hat, y):
    X_hat = _check_X(X_hat, "X_hat")
    y = require_finite(as_real_array(y, "y"), "y")
    if y.shape != (X_hat.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X_hat.shape[0]},) like X_hat, got {y.shape}")
    return X_hat, y


# ---------------------------------------------------------------------- logistic regression
class LogisticRegression(_LinearModel):
    """Binary logistic regression, labels y ∈ {0, 1}: P(y = 1 | x) = σ(wᵀx + b), eq. (3.44).

    Objective J = (1/N)Σ_i [softplus(z⁽ⁱ⁾) − y⁽ⁱ⁾z⁽ⁱ⁾] + (l2/2)‖w‖² with z = wᵀx + b: the cross-entropy
    risk (3.45), which (3.48) rewrites as −Σ(y z − log(1 + eᶻ)), divided by N and computed
    without overflow for any z.  Gradient (3.53) divided by N: (1/N)Σ_i x⁽ⁱ⁾(σ(z⁽ⁱ⁾) − y⁽ⁱ⁾) + l2·w;
    the draft's update (3.54) needs a minus sign (erratum 16).
    """

    def default_loss(self) -> losses.Loss:
        """`nndl.losses.LogisticCrossEntropy`: the cross-entropy (3.45)."""
        return losses.LogisticCrossEntropy()

    def predict_proba(self, X):
        """P(y = 1 | x) = σ(wᵀx + b) for every row, shape (N,), eq. (3.44); stable for any score."""
        return F.logistic(self.decision_function(X))

    def predict(self, X):
        """Class I(wᵀx + b > 0) ∈ {0, 1}, eq. (3.43) (the same as P(y = 1 | x) > 1/2), int64 (N,)."""
        return (self.decision_function(X) > 0).astype(np.int64)


# ----------------------------------------------------------------------- softmax regression
class SoftmaxRegression(_LinearModel):
    """Softmax (multinomial logistic) regression for labels y ∈ {0, …, C−1}, eq. (3.55)–(3.69).

    Parameters W (D, C), one column w_c per class as in W = [w₁, …, w_C] of (3.60), and b (C,),
    stored as ``params["w"]`` and ``params["b"]``.  Scores z = Wᵀx + b; P(y = c | x) =
    softmax(z)_c = exp(z_c) / Σ_i exp(z_i) (3.58, corrected: erratum 18).  Objective: the
    cross-entropy (3.61) (one Σ over classes: erratum 19) divided by N, + (l2/2)‖W‖²_F.  Gradient
    (3.68) divided by N, for the whole batch at once: (1/N) Xᵀ(Ŷ − Y) + l2·W, Y the one-hot
    labels (3.59).  With C = 2 it is logistic regression with w = w₁ − w₀ (3.57).
    """

    def __init__(self, num_classes: int, l2: float = 0.0) -> None:
        self.num_classes = as_count(num_classes, "num_classes", minimum=2)
        super().__init__(l2)

    def _param_shapes(self, D):
        return (D, self.num_classes), (self.num_classes,)

    def _check_y(self, X, y, xname="X", yname="y"):
        y = super()._check_y(X, y, xname, yname)
        if y.size and y.max() >= self.num_classes:
            raise ValueError(
                f"{yname} must hold class indices 0..{self.num_classes - 1} for num_classes="
                f"{self.num_classes}; found the label {int(y.max())}"
            )
        return y

    def default_loss(self) -> losses.Loss:
        """`nndl.losses.SoftmaxCrossEntropy`: the cross-entropy (3.61)."""
        return losses.SoftmaxCrossEntropy()

    def predict_proba(self, X):
        """ŷ = softmax(Wᵀx + b) for every row, shape (N, C), eq. (3.60); rows sum to 1."""
        return F.softmax(self.decision_function(X), axis=-1)

    def predict(self, X):
        """arg max_c (w_cᵀx + b_c), eq. (3.56), int64 (N,) (ties go to the smaller index)."""
        return np.argmax(self.decision_function(X), axis=-1).astype(np.int64)

    def __repr__(self) -> str:
        return f"SoftmaxRegression(num_classes={self.num_classes}, l2={self.l2!r})"
