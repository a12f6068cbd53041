"""Loss functions and their gradients (draft section 3.1.1, 损失函数).

A loss L(y, f(x, θ)) measures how wrong one prediction is; averaged over the training set it
is the empirical risk R(θ) = (1/N) Σ_i L(y⁽ⁱ⁾, f(x⁽ⁱ⁾, θ)) of (3.3).  The draft's four losses:

- 0-1损失函数 (0-1 loss), (3.7)–(3.8): `zero_one`, I(y ≠ ŷ);
- 平方损失函数 (quadratic loss), (3.9): `squared`, (y − ŷ)²;
- 交叉熵损失函数 (cross-entropy loss), also 负对数似然 (negative log-likelihood), (3.11)–(3.12):
  `cross_entropy` from probabilities, −log f_y = −Σ_i y_i log f_i; the same loss computed from
  logits is `softmax_cross_entropy` (C classes, −log softmax(z)_y) and `logistic_cross_entropy`
  (two classes, one logit z, softplus(z) − y z, the term of (3.48));
- Hinge损失函数 (hinge loss), (3.13)–(3.14): `hinge`, max(0, 1 − y f).

Every loss is called ``loss(prediction, y, reduction="mean")``, prediction first as in the loss
layers and in `nndl.training.fit` (the draft writes L(y, f(x, θ)); the order of the arguments is
the only difference): ``"mean"`` gives the empirical risk (3.3), ``"sum"`` the total, ``"none"``
the per-sample losses as an array (N,).  Every differentiable loss has
``loss_grad(prediction, y)``, the gradient of the **mean** loss with respect to ``prediction``,
with the shape of ``prediction``.  The loss layers (`SoftmaxCrossEntropy`,
`LogisticCrossEntropy`, `SquaredError`) wrap them for training: ``forward(scores, y)``, then
``backward()``.

Shapes are batch first: labels (N,), scores (N,), probabilities and logits (N, C).  Class labels
are integers 0, …, C−1 (the draft counts classes from 1).  Losses and gradients have the
floating dtype of the prediction (float32 stays float32; integer predictions give float64).

Erratum: the case table (3.7) is upside down (it gives 1 when y = f(x, θ)); the indicator form
(3.8), I(y ≠ f(x, θ)), is the right one and is what `zero_one` computes.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_count, as_label_array, as_real_array, require_finite, require_ndim
from .functions import log_softmax, logistic, softplus

__all__ = [
    "REDUCTIONS",
    "one_hot",
    "zero_one",
    "squared",
    "squared_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "logistic_cross_entropy",
    "logistic_cross_entropy_grad",
    "hinge",
    "hinge_grad",
    "Loss",
    "SoftmaxCrossEntropy",
    "LogisticCrossEntropy",
    "SquaredError",
]

#: The accepted values of ``reduction``: ``"mean"`` is the empirical risk (3.3).
REDUCTIONS = ("mean", "sum", "none")


# ------------------------------------------------------------------------------- helpers
def _check_reduction(reduction) -> None:
    if not (isinstance(reduction, str) and reduction in REDUCTIONS):
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(per_sample: np.ndarray, reduction: str):
    """Apply ``reduction`` to the per-sample losses (N,): mean (3.3), sum, or none."""
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    return per_sample.mean()


def _check_labels_in_range(labels: np.ndarray, num_classes: int, name: str, source: str) -> None:
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"{name} contains the label {labels.max()}, but {source} has C = {num_classes} "
            f"classes: labels must be integers in 0..{num_classes - 1}"
        )


def _labels(y, n: int, pred_shape, pred_name: str) -> np.ndarray:
    """Class labels (N,) whose length matches the N rows of the prediction."""
    labels = as_label_array(y, "y")
    require_ndim(labels, (1,), "y", "(N,) (integer class labels)")
    if labels.shape[0] != n:
        raise ValueError(
            f"y has shape {labels.shape} but {pred_name} has shape {tuple(pred_shape)}: "
            "they must agree on N, the number of samples"
        )
    return labels


def _samples(pred: np.ndarray, name: str, expected: str, ndim: tuple[int, ...]) -> None:
    require_ndim(pred, ndim, name, expected)
    if pred.shape[0] == 0:
        raise ValueError(f"{name} has shape {pred.shape}: a loss needs at least one sample")
    require_finite(pred, name)


def _binary(y, values, n: int, pred_shape, pred_name: str, loss: str) -> np.ndarray:
    """Binary targets (N,) restricted to ``values``, as a real array."""
    arr = as_real_array(y, "y")
    require_ndim(arr, (1,), "y", f"(N,) with values in {{{values[0]}, {values[1]}}}")
    if arr.shape[0] != n:
        raise ValueError(
            f"y has shape {arr.shape} but {pred_name} has shape {tuple(pred_shape)}: "
            "they must agree on N, the number of samples"
        )
    bad = ~np.isin(arr, values)
    if np.any(bad):
        raise ValueError(
            f"{loss} needs labels y in {{{values[0]}, {values[1]}}}; found {np.asarray(y)[bad][0].item()!r}"
        )
    return arr


def _target_distribution(y, pred: np.ndarray, pred_name: str) -> np.ndarray:
    """The (N, C) target of (3.12): one-hot rows from labels (N,), or a given (N, C) distribution."""
    n, c = pred.shape
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.dtype.kind in "biuf":
        target = require_finite(as_real_array(arr, "y"), "y")
        if target.shape != pred.shape:
            raise ValueError(
                f"y has shape {target.shape} but {pred_name} has shape {pred.shape}: a one-hot "
                "(or distribution) target must have the shape of the prediction"
            )
        tol = max(1e-6, 10 * c * float(np.finfo(np.result_type(target, np.float32)).eps))
        if np.any(target < 0) or not np.allclose(target.sum(axis=1), 1.0, rtol=0, atol=tol):
            raise ValueError(
                "a 2-D target y must be one-hot (or a distribution): rows of "
                "non-negative entries that sum to 1, as in (3.12)"
            )
        return target
    labels = _labels(y, n, pred.shape, pred_name)
    _check_labels_in_range(labels, c, "y", pred_name)
    return one_hot(labels, c)


def _label_or_target(y, pred: np.ndarray, pred_name: str):
    """Labels (N,) when y is 1-D (the fast path), else the validated (N, C) target."""
    if np.ndim(y) == 2:
        return None, _target_distribution(y, pred, pred_name)
    labels = _labels(y, pred.shape[0], pred.shape, pred_name)
    _check_labels_in_range(labels, pred.shape[1], "y", pred_name)
    return labels, None


# ---------------------------------------------------------------------------------- one-hot
def one_hot(y, num_classes=None) -> np.ndarray:
    """One-hot rows for class labels: Y[i, y_i] = 1, every other entry 0 (the vector y of (3.12)).

    ``y`` is (N,) integer labels; the result is (N, C) float64 with C = ``num_classes``, by
    default y.max() + 1.
    """
    labels = as_label_array(y, "y")
    require_ndim(labels, (1,), "y", "(N,) (integer class labels)")
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("one_hot cannot infer num_classes from an empty y; pass num_classes")
        num_classes = int(labels.max()) + 1
    num_classes = as_count(num_classes, "num_classes")
    _check_labels_in_range(labels, num_classes, "y", f"num_classes={num_classes}")
    out = np.zeros((labels.shape[0], num_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


# ---------------------------------------------------------------------------------- 0-1 loss
def zero_one(y_pred, y, reduction: str = "mean"):
    """0-1 loss I(y ≠ ŷ), eq. (3.8); its mean is the error rate (3.71).

    ``y`` and ``y_pred`` are (N,) labels of any numeric kind (class indices, ±1, …), compared
    exactly.  Not differentiable (its gradient is 0 almost everywhere), hence no ``_grad``.
    The printed (3.7) has its two cases swapped; (3.8) is correct.
    """
    _check_reduction(reduction)
    a, b = as_real_array(y, "y"), as_real_array(y_pred, "y_pred")
    require_ndim(b, (1,), "y_pred", "(N,)")
    require_ndim(a, (1,), "y", "(N,)")
    if a.shape != b.shape:
        raise ValueError(f"y has shape {a.shape} but y_pred has shape {b.shape}: they must be equal")
    if a.shape[0] == 0:
        raise ValueError("y_pred has shape (0,): a loss needs at least one sample")
    return _reduce((a != b).astype(np.result_type(a, b)), reduction)


# ---------------------------------------------------------------------------- squared loss
def _squared_inputs(y, y_pred):
    pred = as_real_array(y_pred, "y_pred")
    _samples(pred, "y_pred", "(N,) or (N, K)", (1, 2))
    target = as_real_array(y, "y")
    if target.shape != pred.shape:
        raise ValueError(f"y has shape {target.shape} but y_pred has shape {pred.shape}: they must be equal")
    return require_finite(target, "y"), pred


def squared(y_pred, y, reduction: str = "mean"):
    """Squared loss (y − ŷ)², eq. (3.9); for (N, K) outputs ‖y − ŷ‖², summed over the K outputs.

    There is no factor 1/2 (as in the draft).  ``y`` and ``y_pred`` have the same shape (N,) or (N, K).
    """
    _check_reduction(reduction)
    target, pred = _squared_inputs(y, y_pred)
    diff = target - pred
    per = diff * diff if diff.ndim == 1 else np.sum(diff * diff, axis=1)
    return _reduce(per.astype(pred.dtype, copy=False), reduction)


def squared_grad(y_pred, y):
    """Gradient of the mean squared loss (3.3) with (3.9): ∂R/∂ŷ_i = 2 (ŷ_i − y_i) / N."""
    target, pred = _squared_inputs(y, y_pred)
    return (2.0 * (pred - target) / pred.shape[0]).astype(pred.dtype, copy=False)


# --------------------------------------------------------------------------- cross-entropy
def _probs(probs):
    p = as_real_array(probs, "probs")
    _samples(p, "probs", "(N, C) (one row of class probabilities per sample)", (2,))
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("probs must lie in [0, 1], as in (3.10)")
    return p


def cross_entropy(probs, y, reduction: str = "mean"):
    """Cross-entropy (negative log-likelihood) −log f_y(x, θ), eq. (3.11) = −Σ_i y_i log f_i, (3.12).

    ``probs`` is (N, C), one distribution (3.10) per row.  ``y`` is (N,) integer labels or an
    (N, C) one-hot (or any target distribution) array.  Probabilities are clipped below at the
    smallest normal float, so a zero probability gives a large finite loss (≈ 708 in float64)
    instead of inf and a log(0) warning.  Prefer `softmax_cross_entropy` when you have logits.
    """
    _check_reduction(reduction)
    p = _probs(probs)
    labels, target = _label_or_target(y, p, "probs")
    tiny = np.finfo(p.dtype).tiny
    if labels is not None:
        py = p[np.arange(p.shape[0]), labels]
        per = -np.log(np.maximum(py, tiny))
    else:
        per = -np.sum(target * np.log(np.maximum(p, tiny)), axis=1).astype(p.dtype, copy=False)
    return _reduce(per, reduction)


def cross_entropy_grad(probs, y):
    """Gradient of the mean cross-entropy (3.11)–(3.12) with respect to the probabilities: −Y / (N · P).

    Only the true class's entry is non-zero: −1 / (N f_y).  Uses the same clipping as
    `cross_entropy` (the clip is treated as inactive, so a zero probability gives a huge
    finite gradient rather than 0).
    """
    p = _probs(probs)
    target = _target_distribution(y, p, "probs")
    tiny = np.finfo(p.dtype).tiny
    return (0.0 - target / (p.shape[0] * np.maximum(p, tiny))).astype(p.dtype, copy=False)


def _logits(logits, expected, ndim, name="logits"):
    z = as_real_array(logits, name)
    _samples(z, name, expected, ndim)
    return z


def softmax_cross_entropy(logits, y, reduction: str = "mean"):
    """Cross-entropy of softmax(z), (3.11)–(3.12) with (3.58)/(3.61), computed from the logits z.

    Uses log softmax(z) = (z − m) − log Σ exp(z − m), m = max z (`nndl.functions.log_softmax`),
    so it stays finite, warning-free and accurate even where softmax(z) itself underflows to 0,
    for any finite logits (tied logits of 1e16 give log 2, not 0).  ``logits`` is (N, C);
    ``y`` is (N,) integer labels or an (N, C) one-hot / distribution target.
    """
    _check_reduction(reduction)
    z = _logits(logits, "(N, C) (one row of class scores per sample)", (2,))
    labels, target = _label_or_target(y, z, "logits")
    logp = log_softmax(z, axis=1)
    if labels is not None:
        per = -logp[np.arange(z.shape[0]), labels]
    else:
        per = -np.sum(target * logp, axis=1).astype(z.dtype, copy=False)
    return _reduce(per, reduction)


def softmax_cross_entropy_grad(logits, y):
    """Gradient of the mean softmax cross-entropy w.r.t. the logits: (softmax(z) − Y) / N.

    The per-sample gradient softmax(z) − y is the one inside (3.66)/(3.68), before the chain rule
    through z = Wᵀx.  For a distribution target the general form softmax(z)·Σ_c y_c − y reduces
    to this because each row of Y sums to 1.
    """
    z = _logits(logits, "(N, C) (one row of class scores per sample)", (2,))
    target = _target_distribution(y, z, "logits")
    # exp(log softmax): the same numbers as `SoftmaxCrossEntropy.backward`, to the last bit
    return ((np.exp(log_softmax(z, axis=1)) - target) / z.shape[0]).astype(z.dtype, copy=False)


def logistic_cross_entropy(logits, y, reduction: str = "mean"):
    """Binary cross-entropy −y log σ(z) − (1 − y) log(1 − σ(z)) for y ∈ {0, 1}, (3.45)–(3.48).

    Equal to softplus(z) − y z, the per-sample term of (3.48).  It is evaluated as softplus(z)
    for y = 0 and softplus(−z) for y = 1 (the same numbers), which keeps full relative accuracy
    when the loss is tiny and never overflows.  ``y`` and ``logits`` are (N,).
    """
    _check_reduction(reduction)
    z = _logits(logits, "(N,) (one score z = wᵀx + b per sample)", (1,))
    t = _binary(y, (0, 1), z.shape[0], z.shape, "logits", "logistic_cross_entropy")
    return _reduce(softplus(np.where(t == 1, -z, z)), reduction)


def logistic_cross_entropy_grad(logits, y):
    """Gradient of the mean binary cross-entropy w.r.t. the logits: (σ(z) − y) / N, as in (3.53).

    For y = 1 it uses σ(z) − 1 = −σ(−z), which keeps the tiny gradients of confident correct
    answers (σ(40) − 1 would round to 0).
    """
    z = _logits(logits, "(N,) (one score z = wᵀx + b per sample)", (1,))
    t = _binary(y, (0, 1), z.shape[0], z.shape, "logits", "logistic_cross_entropy_grad")
    g = np.where(t == 1, -logistic(-z), logistic(z))
    return (g / z.shape[0]).astype(z.dtype, copy=False)


# ------------------------------------------------------------------------------- hinge loss
def hinge(scores, y, reduction: str = "mean"):
    """Hinge loss max(0, 1 − y f(x, θ)) = |1 − y f|₊, eq. (3.13)–(3.14), for y ∈ {−1, +1}.

    ``scores`` are the real outputs f (N,), not their signs: with f ∈ {−1, +1} as the draft
    allows, the loss is just twice the 0-1 loss.
    """
    _check_reduction(reduction)
    f = _logits(scores, "(N,) (one real score f(x) per sample)", (1,), "scores")
    t = _binary(y, (-1, 1), f.shape[0], f.shape, "scores", "hinge")
    return _reduce(np.maximum(0, 1 - t * f).astype(f.dtype, copy=False), reduction)


def hinge_grad(scores, y):
    """A subgradient of the mean hinge loss (3.13)–(3.14) w.r.t. the scores: −y_i / N where
    y_i f_i < 1, else 0.

    The hinge is not differentiable at the kink y f = 1; there any value between −y/N and 0 is a
    subgradient, and this function uses **0** (the kink counts as "margin satisfied", like the
    convention relu'(0) = 0).
    """
    f = _logits(scores, "(N,) (one real score f(x) per sample)", (1,), "scores")
    t = _binary(y, (-1, 1), f.shape[0], f.shape, "scores", "hinge_grad")
    return np.where(t * f < 1, -t / f.shape[0], 0.0).astype(f.dtype, copy=False)


# ------------------------------------------------------------------------------ loss layers
class Loss:
    """A loss layer: the small protocol `nndl.training.fit` trains with.

    ``forward(scores, y)`` returns the mean loss over the batch (the empirical risk (3.3) of one
    of the losses of section 3.1.1) and caches what ``backward()``
    needs; ``backward()`` returns d(mean loss)/d(scores), the δ that starts backpropagation.
    ``targets(y, name)`` checks the targets once, before training; ``predict(scores)`` turns
    scores into class predictions (None for a regression loss, which has no accuracy).
    """

    def __init__(self) -> None:
        self._cache = None

    def forward(self, scores, y) -> float:
        raise NotImplementedError

    def backward(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._backward(*self._cache)

    def _backward(self, *cache):
        raise NotImplementedError

    def targets(self, y, name: str = "y") -> np.ndarray:
        """``y`` checked as this loss's targets (labels for a classifier), shape (N,)."""
        labels = as_label_array(y, name)
        require_ndim(labels, (1,), name, "(N,) (integer class labels)")
        return labels

    def predict(self, scores):
        """Class predictions from scores, int64 (N,); None for a regression loss."""
        return None

    def __call__(self, scores, y) -> float:
        return self.forward(scores, y)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SoftmaxCrossEntropy(Loss):
    """Mean cross-entropy of softmax(scores) against integer labels, (3.61) divided by N.

    ``forward(scores, y)`` returns (1/N) Σ_i −log softmax(z⁽ⁱ⁾)_{y⁽ⁱ⁾}, with the log-softmax of
    `nndl.functions.log_softmax`, accurate for any finite scores (NaN or inf: ValueError);
    ``backward()`` returns its gradient (softmax(Z) − Y) / N, Y the one-hot labels (3.68):
    the δ⁽ᴸ⁾ that starts backpropagation (5.24).  Scores (N, C), labels (N,).
    """

    def forward(self, scores, y) -> float:
        z = as_real_array(scores, "scores")
        if z.ndim != 2 or z.shape[0] == 0:
            raise ValueError(f"scores must have shape (N, C) with N >= 1, got shape {z.shape}")
        require_finite(z, "scores")
        labels = as_label_array(y, "y")
        if labels.shape != (z.shape[0],):
            raise ValueError(
                f"y must have shape (N,) = ({z.shape[0]},) to match scores of shape "
                f"{z.shape}, got shape {labels.shape}"
            )
        _check_labels_in_range(labels, z.shape[1], "y", f"scores of shape {z.shape}")
        logp = log_softmax(z, axis=1)
        self._cache = (logp, labels)
        return float(-np.mean(logp[np.arange(z.shape[0]), labels]))

    def _backward(self, logp, labels):
        g = np.exp(logp)
        g[np.arange(labels.size), labels] -= 1.0
        return g / labels.size

    def predict(self, scores):
        """arg max_c z_c for every row (3.56); ties go to the smaller index."""
        return np.argmax(scores, axis=1).astype(np.int64)


class LogisticCrossEntropy(Loss):
    """Mean binary cross-entropy of σ(z) against labels y ∈ {0, 1}, (3.48) divided by N.

    One score z per sample (N,); ``forward`` is `logistic_cross_entropy`, ``backward`` its
    gradient (σ(z) − y) / N, (3.53) divided by N.
    """

    def forward(self, scores, y) -> float:
        value = logistic_cross_entropy(scores, y)
        self._cache = (np.asarray(scores), y)
        return float(value)

    def _backward(self, z, y):
        return logistic_cross_entropy_grad(z, y)

    def targets(self, y, name: str = "y") -> np.ndarray:
        arr = np.asarray(y)
        if arr.dtype.kind == "f":
            require_finite(arr, name)
        if arr.dtype.kind in "biuf" and np.any((arr != 0) & (arr != 1)):
            raise ValueError(
                f"{name} must hold binary labels in {{0, 1}}; got the values "
                f"{np.unique(arr)[:10].tolist()} (for ±1 labels pass (y + 1) // 2; for more "
                "classes use SoftmaxRegression)"
            )
        return super().targets(y, name)

    def predict(self, scores):
        """I(z > 0) ∈ {0, 1} (3.43), the same as σ(z) > 1/2."""
        return (np.asarray(scores) > 0).astype(np.int64)


class SquaredError(Loss):
    """Mean squared loss (1/N) Σ_i (y⁽ⁱ⁾ − ŷ⁽ⁱ⁾)², (3.9) averaged as in (3.3); no factor 1/2.

    Predictions and targets (N,) or (N, K); ``backward`` is 2(ŷ − y)/N (`squared_grad`).
    """

    def forward(self, scores, y) -> float:
        value = squared(scores, y)
        self._cache = (np.asarray(scores), y)
        return float(value)

    def _backward(self, pred, y):
        return squared_grad(pred, y)

    def targets(self, y, name: str = "y") -> np.ndarray:
        arr = as_real_array(y, name)
        require_ndim(arr, (1, 2), name, "(N,) or (N, K) (real targets)")
        return require_finite(arr, name)
