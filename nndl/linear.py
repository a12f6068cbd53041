"""Linear models (draft sections 3.2–3.3): linear and ridge regression, logistic and softmax regression.

Layout.  The draft writes one sample as a column x and stacks the samples as the *columns* of
X ∈ R^{(k+1)×N} (3.36), so its predictions are Xᵀw.  Here arrays are batch first: X is (N, D),
one sample per row, and the predictions are ``X @ w + b``; the draft's Xᵀw is our X̂ŵ with the
augmented X̂ = [1, X] of `add_bias_feature` (3.30)–(3.31).  The bias b is kept apart from w.

Objective.  Every model minimises the **mean** loss over the samples plus an L2 penalty on the
weights (the bias is not penalised), the structural risk (3.5)–(3.6):

    J(w, b) = (1/N) Σ_i L(y⁽ⁱ⁾, f(x⁽ⁱ⁾)) + l2 ‖w‖².

The draft's risks (3.33), (3.45), (3.61) are sums; the mean is the sum divided by N, so gradients
are 1/N times the draft's (with the draft's errors corrected: the factor 2 in (3.38), erratum 12).

Parameters.  A model holds ``params`` and ``grads``, dicts with keys ``"w"`` and ``"b"``, so any
`nndl.optim` optimizer trains it: ``loss(X, y)`` returns J and fills ``grads``, and
``optimizer.step(model.params, model.grads)`` updates ``params`` in place.  Parameters are
float64 and start at zero, as the draft initialises w₀ = 0: ``init(D)`` creates them, and
`fit`, ``loss`` and ``fit_normal_equations`` call it on first use with D taken from X.
For a scalar output (linear and logistic regression) b is a 0-d array.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import functions as F
from . import losses, optim
from ._validation import (
    as_count,
    as_label_array,
    as_real_array,
    check_finite_arrays,
    check_finite_scores,
    check_loss,
    require_finite,
)

__all__ = [
    "add_bias_feature",
    "LinearRegression",
    "LogisticRegression",
    "SoftmaxRegression",
    "ridge_gd_curves",
    "squared_risk",
    "gd_step_limit",
    "fit",
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


def _check_same_n(X: np.ndarray, y: np.ndarray, xname: str = "X", yname: str = "y") -> None:
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{yname} must have shape (N,) with the N = {X.shape[0]} samples of {xname}; "
            f"got {xname} of shape {X.shape} and {yname} of shape {y.shape}"
        )


def _check_l2(l2) -> float:
    if isinstance(l2, (bool, np.bool_)) or not isinstance(l2, numbers.Real):
        raise TypeError(f"l2 must be a real number >= 0, got {l2!r}")
    l2 = float(l2)
    if not (np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    return l2


# ------------------------------------------------------------------------------ base class
class _LinearModel:
    """Shared machinery: params/grads dicts, lazy init, checks and the l2 penalty."""

    def __init__(self, l2: float = 0.0) -> None:
        self.l2 = _check_l2(l2)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    # -- parameters
    def _param_shapes(self, D: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return (D,), ()

    def init(self, D: int):
        """Create zero parameters for D input features (w₀ = 0, as in the draft); returns self."""
        if isinstance(D, (bool, np.bool_)) or not isinstance(D, numbers.Integral) or D < 0:
            raise ValueError(f"D (the number of features) must be an integer >= 0, got {D!r}")
        w_shape, b_shape = self._param_shapes(int(D))
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

    # -- the model
    def decision_function(self, X):
        """The linear scores f(x) = wᵀx + b for every row of X: (N,), or (N, C) for softmax.

        NaN or inf in X raise ValueError naming the row (so does every method taking X).
        """
        X = self._ready(X, init=False)
        return self._scores(X)

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return X @ self.params["w"] + self.params["b"]

    def loss(self, X, y) -> float:
        """Training objective J = mean loss + l2‖w‖² on (X, y), and fill ``self.grads``."""
        X = self._ready(X, init=True)
        y = self._check_y(X, y)
        return self._loss_and_grads(X, y)

    def data_loss(self, X, y) -> float:
        """Mean loss on (X, y) without the penalty (the empirical risk (3.3)); grads are untouched."""
        X = self._ready(X, init=False)
        y = self._check_y(X, y)
        return self._data_loss(X, y)

    def _loss_and_grads(
        self, X: np.ndarray, y: np.ndarray, value: bool = True, z: np.ndarray | None = None
    ) -> float | None:
        """Fill grads (and return J if ``value``) for checked X, y: one product each way, no loop.

        ``z``: the scores ``self._scores(X)`` if the caller has them already.
        """
        w = self.params["w"]
        z = self._scores(X) if z is None else z
        g = self._output_grad(y, z)  # ∂(mean loss)/∂z, shape of z
        self.grads["w"][...] = X.T @ g + 2.0 * self.l2 * w
        self.grads["b"][...] = g.sum(axis=0)
        return float(self._output_loss(y, z)) + self.penalty() if value else None

    def _data_loss(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(self._output_loss(y, self._scores(X)))

    def penalty(self) -> float:
        """l2‖w‖² (the Frobenius norm for a matrix W); the bias is not penalised."""
        w = self.params["w"]
        return self.l2 * float(np.sum(w * w)) if self.l2 else 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(l2={self.l2!r})"


# ------------------------------------------------------------------------ linear regression
class LinearRegression(_LinearModel):
    """Linear regression f(x) = wᵀx + b (3.28) with the squared loss (3.32); ridge when l2 > 0.

    Objective J = (1/N)‖X̂ŵ − y‖² + l2‖w‖², the draft's (3.35) divided by N.  Its gradient is
    (2/N)X̂ᵀ(X̂ŵ − y) + 2·l2·(0 ⊕ w); the draft's (3.38) lacks the factor 2 (erratum 12) and its
    update (3.41) the minus sign (erratum 14).
    """

    def _check_y(self, X, y, xname="X", yname="y"):
        y = as_real_array(y, yname)
        _check_same_n(X, y, xname, yname)
        return require_finite(y, yname)

    def _output_loss(self, y, z):
        return losses.squared(y, z)

    def _output_grad(self, y, z):
        return losses.squared_grad(y, z)

    def predict(self, X):
        """ŷ = Xw + b, shape (N,)."""
        return self.decision_function(X)

    def fit_normal_equations(self, X, y):
        """Set w, b to the exact minimiser of J (least squares (3.39)–(3.40), ridge if l2 > 0); returns self.

        Solves (X̂ᵀX̂ + N·l2·I′)ŵ = X̂ᵀy, I′ the identity with a 0 for the bias entry (so b is not
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
            A[idx, idx] += X.shape[0] * self.l2
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
    + λ‖w‖² (bias not penalised, as `LinearRegression`), for each λ.

    Returns ``(W, train, val)``: the augmented weights [b, w] after ``epochs`` steps as columns
    (D+1, len(lambdas)), and the training and validation mean squared errors
    (len(record), len(lambdas)) after each epoch in ``record``.  The step size is
    lr = 1 / (L + 2 max λ), L the largest eigenvalue of (2/N) X̂ᵀX̂, the same for every λ.

    J is quadratic, with Hessian H = (2/N) X̂ᵀX̂ + 2λI′, so GD from 0 has a closed form: in the
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
    lr = 1.0 / (np.linalg.eigvalsh(H0).max() + 2 * lam.max())
    penalty = np.eye(d)
    penalty[0, 0] = 0.0  # the bias is not penalised
    steps = np.append(np.asarray(list(record), dtype=np.float64), float(epochs))
    W = np.empty((steps.size, d, lam.size))
    for j, l in enumerate(lam):
        h, Q = np.linalg.eigh(H0 + 2.0 * l * penalty)
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

    Objective J = (1/N)Σ_i [softplus(z⁽ⁱ⁾) − y⁽ⁱ⁾z⁽ⁱ⁾] + l2‖w‖² with z = wᵀx + b: the cross-entropy
    risk (3.45), which (3.48) rewrites as −Σ(y z − log(1 + eᶻ)), divided by N and computed
    without overflow for any z.  Gradient (3.53) divided by N: (1/N)Σ_i x⁽ⁱ⁾(σ(z⁽ⁱ⁾) − y⁽ⁱ⁾) + 2·l2·w;
    the draft's update (3.54) needs a minus sign (erratum 16).
    """

    def _check_y(self, X, y, xname="X", yname="y"):
        arr = np.asarray(y)
        if arr.dtype.kind == "f":
            require_finite(arr, yname)
        if arr.dtype.kind in "biuf" and np.any((arr != 0) & (arr != 1)):
            values = np.unique(arr)
            raise ValueError(
                f"LogisticRegression needs binary labels {yname} in {{0, 1}}; "
                f"got the values {values[:10].tolist()}"
                " (for ±1 labels pass (y + 1) // 2; for more classes use SoftmaxRegression)"
            )
        y = as_label_array(y, yname)
        _check_same_n(X, y, xname, yname)
        return y

    def _output_loss(self, y, z):
        return losses.logistic_cross_entropy(y, z)

    def _output_grad(self, y, z):
        return losses.logistic_cross_entropy_grad(y, z)

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
    cross-entropy (3.61) (one Σ over classes: erratum 19) divided by N, + l2‖W‖²_F.  Gradient
    (3.68) divided by N, for the whole batch at once: (1/N) Xᵀ(Ŷ − Y) + 2·l2·W, Y the one-hot
    labels (3.59).  With C = 2 it is logistic regression with w = w₁ − w₀ (3.57).
    """

    def __init__(self, num_classes: int, l2: float = 0.0) -> None:
        if (
            isinstance(num_classes, (bool, np.bool_))
            or not isinstance(num_classes, numbers.Integral)
            or num_classes < 2
        ):
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        super().__init__(l2)
        self.num_classes = int(num_classes)

    def _param_shapes(self, D):
        return (D, self.num_classes), (self.num_classes,)

    def _check_y(self, X, y, xname="X", yname="y"):
        y = as_label_array(y, yname)
        _check_same_n(X, y, xname, yname)
        if y.size and y.max() >= self.num_classes:
            raise ValueError(
                f"{yname} must hold class indices 0..{self.num_classes - 1} for num_classes="
                f"{self.num_classes}; found the label {int(y.max())}"
            )
        return y

    def _output_loss(self, y, z):
        return losses.softmax_cross_entropy(y, z)

    def _output_grad(self, y, z):
        return losses.softmax_cross_entropy_grad(y, z)

    def predict_proba(self, X):
        """ŷ = softmax(Wᵀx + b) for every row, shape (N, C), eq. (3.60); rows sum to 1."""
        return F.softmax(self.decision_function(X), axis=-1)

    def predict(self, X):
        """arg max_c (w_cᵀx + b_c), eq. (3.56), int64 (N,) (ties go to the smaller index)."""
        return np.argmax(self.decision_function(X), axis=-1).astype(np.int64)

    def __repr__(self) -> str:
        return f"SoftmaxRegression(num_classes={self.num_classes}, l2={self.l2!r})"


# ---------------------------------------------------------------------------- training loop
def fit(
    model,
    X,
    y,
    optimizer,
    epochs,
    batch_size=None,
    rng=None,
    X_val=None,
    y_val=None,
    patience=None,
    metric=None,
):
    """Train ``model`` with ``optimizer`` on mini-batches for up to ``epochs`` epochs; returns a history.

    Each epoch visits every sample once in mini-batches from `nndl.optim.minibatches`: batch GD
    (3.19) when ``batch_size`` is None or ≥ N (then the order is fixed), SGD (3.21) when it is 1,
    shuffled with ``rng`` (a Generator or a seed: same seed, same run).  One optimizer step per
    batch on the gradient of the batch's objective.  Parameters are created (zeros) if the model
    has none; otherwise training continues from the current ones.  The optimizer is not reset:
    call ``optimizer.reset()`` before reusing one for a new model.

    History (a dict of lists, entry 0 = the parameters before training, entry k = after epoch k):

    - ``"train_loss"``: the training objective J (mean loss + l2‖w‖²) on all of (X, y);
    - ``"val_loss"``: the mean loss on (X_val, y_val), without the penalty ([] if no X_val);
    - ``"val_metric"``: ``metric(y_val, model.predict(X_val))`` (only if ``metric`` is given);
    - ``"best_epoch"``: the index of the smallest val_loss (first one on ties), None without X_val.

    Early stopping: with ``patience`` (needs validation data) training stops once val_loss has
    not improved for ``patience`` consecutive epochs, and the parameters of ``best_epoch`` are
    put back (in place), also when training ran all ``epochs``.  So len(val_loss) − 1 ≤
    best_epoch + patience.  Without ``patience`` the final parameters are kept.

    Fails loudly: NaN or inf in X, y, X_val, y_val raise ValueError naming the argument and row;
    ``epochs``, ``batch_size``, ``patience`` of the wrong type (2.0) raise TypeError, of the wrong
    value (negative) ValueError.  If a score, the loss, a gradient or a parameter stops being
    finite, or J exceeds 1e12 times its starting value (at least 1e12), training stops with
    `nndl._validation.TrainingDiverged` naming the epoch and the last finite loss, without a
    storm of RuntimeWarnings first (the overflow is computed under np.errstate).
    """
    X = model._ready(X, init=True)
    y = model._check_y(X, y)
    epochs = as_count(epochs, "epochs", minimum=0)
    if not isinstance(optimizer, optim.Optimizer):
        raise TypeError(f"optimizer must be an nndl.optim.Optimizer, got {type(optimizer).__name__}")
    n = X.shape[0]
    if n == 0:
        raise ValueError("X has no samples (shape (0, D)); fit needs at least one")
    batch_size = n if batch_size is None else min(as_count(batch_size, "batch_size"), n)
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    has_val = X_val is not None
    if has_val:
        X_val = model._ready(X_val, init=False, name="X_val")
        y_val = model._check_y(X_val, y_val, "X_val", "y_val")
    if patience is not None:
        patience = as_count(patience, "patience")
        if not has_val:
            raise ValueError("early stopping (patience) needs validation data X_val, y_val")
    if metric is not None:
        if not callable(metric):
            raise TypeError(f"metric must be a callable metric(y_true, y_pred), got {type(metric).__name__}")
        if not has_val:
            raise ValueError("metric is computed on the validation data: pass X_val and y_val")
    for k, v in model.params.items():
        require_finite(v, f"model.params[{k!r}]")
    rng = np.random.default_rng(rng)

    history = {"train_loss": [], "val_loss": [], "best_epoch": None}
    if metric is not None:
        history["val_metric"] = []
    best_val, best_params = np.inf, None
    last_finite, limit = None, np.inf  # for the divergence checks

    def checked_scores(Xb, where: str) -> np.ndarray:
        z = model._scores(Xb)
        check_finite_scores(z, where=where, last_finite=last_finite)
        return z

    def train_step(idx, where: str) -> None:
        """One gradient and one optimizer step on the batch ``idx`` (None: all), checked."""
        Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        model._loss_and_grads(Xb, yb, value=False, z=checked_scores(Xb, where))
        check_finite_arrays(model.grads, "gradient", where=where, last_finite=last_finite)
        optimizer.step(model.params, model.grads)
        check_finite_arrays(model.params, "parameter", where=where, last_finite=last_finite)

    def record(epoch: int) -> bool:
        """Append this epoch's numbers; True when early stopping says stop."""
        nonlocal best_val, best_params, last_finite, limit
        where = f"epoch {epoch}"
        train = float(model._output_loss(y, checked_scores(X, where))) + model.penalty()
        last_finite = check_loss(train, where=where, last_finite=last_finite, limit=limit)
        if epoch == 0:
            limit = 1e12 * max(1.0, abs(train))  # an explosion, whatever the data's scale
        history["train_loss"].append(train)
        if not has_val:
            return False
        val = float(model._output_loss(y_val, checked_scores(X_val, where)))
        history["val_loss"].append(val)
        if metric is not None:
            history["val_metric"].append(float(metric(y_val, model.predict(X_val))))
        if val < best_val:
            best_val, history["best_epoch"] = val, epoch
            if patience is not None:
                best_params = {k: v.copy() for k, v in model.params.items()}
        best = history["best_epoch"]
        since_best = epoch + 1 if best is None else epoch - best  # None: every val_loss was NaN
        return patience is not None and since_best >= patience

    optim._train_epochs(train_step, record, n, batch_size, epochs, rng)
    if best_params is not None:
        for k, v in best_params.items():
            model.params[k][...] = v
    return history
