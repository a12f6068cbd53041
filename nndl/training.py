"""One training loop for every model of the book: `fit`, its `History`, and the L2 penalty.

Why a module of its own.  `fit` trains the linear models of chapter 3, the networks of chapter 5,
LeNet-5 (chapter 6) and the recurrent classifiers of chapter 7 alike.  It needs `nndl.optim`
(the update rules) and `nndl.losses` (the loss layers) but no model module, so it sits above
both in the import order, and every model module can use it (`nndl.nn` re-exports `fit` and
`penalty` for chapter 5's readers) without a cycle.

The model protocol.  A model is anything with ``params`` and ``grads`` (dicts of arrays with
the same keys), ``forward(X)`` returning the scores of a batch and ``backward(dscores)`` filling
``grads``: every `nndl.nn.Layer`, `nndl.nn.Sequential` and the models of `nndl.linear`.  Two
optional attributes: ``regularized``, the names of the params the L2 penalty applies to
(weights, never biases); ``default_loss()``, the loss it is trained with when ``fit`` gets none
(otherwise `nndl.losses.SoftmaxCrossEntropy`).  A model with ``build(X, name)`` (the linear
models) is built for X's shape, and checks X_val against it, before training.

One L2 convention.  The objective is J = (1/N) Σ_i L(scores⁽ⁱ⁾, y⁽ⁱ⁾) + (λ/2) Σ ‖W‖², the squared
Frobenius norm summed over the ``regularized`` params, so the penalty's gradient is λW and the
step is W ← W − α(∂J_data/∂W + λW) (erratum 40).  Where the draft writes λ‖θ‖² ((3.5)–(3.6),
ridge regression (3.35)) the same objective has λ_here = 2 λ_draft.

Layout.  Batch first: every array's first axis holds the samples, X (N, ...) of any shape, one
row per sample (the book's column vector x⁽ⁱ⁾ is row i), y (N,) or (N, K).  Transposing the
draft's formula for one column gives the formula for a row, and stacking rows gives the batch:
z = Wa + b becomes Z = A Wᵀ + bᵀ.  Weights keep the draft's own orientation: ``nn.Dense`` stores
W⁽ˡ⁾ (n_l, n_{l−1}) of (5.7) and computes ``A @ W.T + b``; the linear models store w (D,) and
softmax regression's W = [w₁, …, w_C] (D, C) of (3.60) and compute ``X @ W + b`` (the rows of
Wᵀx).  Only the recurrent layers of `nndl.rnn` store transposes, W (D, H) and U (H, H), so that a
step reads ``h @ U + x @ W``.  The notation page of the book lists every array.  Losses take the
prediction first, ``loss(scores, y)``, functions and loss layers alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._validation import (
    as_batch,
    as_count,
    as_flag,
    as_nonnegative,
    as_positive,
    check_finite_arrays,
    check_finite_scores,
    check_loss,
    require_finite,
)
from .losses import Loss, SoftmaxCrossEntropy
from .optim import Optimizer, minibatches

__all__ = ["History", "fit", "penalty", "penalized_grads"]


class History(dict):
    """What `fit` measured, one entry per epoch: entry 0 before training, entry k after epoch k.

    The training and validation curves that early stopping (section 3.1.4) watches.

    The same keys for every model:

    - ``"train_loss"``: J on all of (X, y), the penalty included;
    - ``"val_loss"``: the mean loss on (X_val, y_val), no penalty ([] without validation data);
    - ``"train_accuracy"``, ``"val_accuracy"``: the fraction of correct class predictions
      ([] for a regression loss, which predicts no class, and ``"val_accuracy"`` without
      validation data);
    - ``"best_epoch"``: the epoch with the smallest val_loss (the first on ties), None without
      validation data;
    - ``"stopped_by"``: None if all epochs ran, ``"patience"`` (early stopping) or
      ``"callback"``.

    A dict, so it prints, pickles and compares like one.
    """

    KEYS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "best_epoch", "stopped_by")

    def __init__(self) -> None:
        super().__init__(
            train_loss=[], val_loss=[], train_accuracy=[], val_accuracy=[], best_epoch=None, stopped_by=None
        )

    @property
    def epochs(self) -> int:
        """The number of epochs that ran (``len(train_loss) − 1``)."""
        return len(self["train_loss"]) - 1


def penalty(model, l2: float) -> float:
    """(λ/2) Σ ‖W‖²_F over the model's ``regularized`` params (weights, not biases): (5.11) corrected."""
    l2 = as_nonnegative(l2, "l2")
    if l2 == 0:
        return 0.0
    params = model.params
    return 0.5 * l2 * float(sum(np.sum(params[k] ** 2) for k in getattr(model, "regularized", ())))


def penalized_grads(model, l2: float) -> dict[str, np.ndarray]:
    """A new dict of the model's grads with the penalty's gradient λW added to the regularized weights.

    The gradient of J in the update (5.13)–(5.16), with λW inside the step (erratum 40).
    """
    grads = dict(model.grads)
    if l2:
        params = model.params
        for k in getattr(model, "regularized", ()):
            grads[k] = grads[k] + l2 * params[k]
    return grads


def _model_l2(model, l2) -> float:
    """The λ to train with: ``l2``, or the model's own ``l2`` (linear models carry one)."""
    own = getattr(model, "l2", None)
    if l2 is None:
        return 0.0 if own is None else as_nonnegative(own, "model.l2")
    l2 = as_nonnegative(l2, "l2")
    if own and l2 != own:
        raise ValueError(
            f"the model has its own l2 = {own!r} and fit got l2 = {l2!r}: set it in one place "
            "(leave fit's l2 at None to use the model's)"
        )
    return l2


def _check_loss_layer(loss, model) -> Loss:
    if loss is None:
        make = getattr(model, "default_loss", None)
        return make() if callable(make) else SoftmaxCrossEntropy()
    if not (callable(getattr(loss, "forward", None)) and callable(getattr(loss, "backward", None))):
        raise TypeError(
            "loss must be a loss layer with forward(scores, y) and backward() "
            f"(e.g. nndl.losses.SoftmaxCrossEntropy()), got {type(loss).__name__}"
        )
    return loss


def _targets(loss, y, name: str, X: np.ndarray, xname: str) -> np.ndarray:
    """``y`` checked by the loss (labels, finite values), with one target per row of X."""
    check = getattr(loss, "targets", None)
    y = check(y, name) if callable(check) else np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name} must have one target per sample, shape (N,) with the N = {X.shape[0]} rows of "
            f"{xname} {X.shape}; got {name} of shape {y.shape}"
        )
    return y


def fit(
    model,
    X,
    y,
    optimizer,
    epochs: int,
    *,
    batch_size: int | None = 32,
    shuffle: bool = True,
    replacement: bool = False,
    steps_per_epoch: int | None = None,
    rng=None,
    X_val=None,
    y_val=None,
    patience: int | None = None,
    clip: float | None = None,
    callback: Callable | None = None,
    l2: float | None = None,
    loss=None,
    progress=False,
) -> History:
    """Train ``model`` on (X, y) with mini-batch gradient descent; returns a `History`.

    One optimizer step per mini-batch of ``batch_size`` samples (None, or ≥ N: the whole set,
    batch gradient descent (3.19); 1: SGD (3.21)), on the gradient of the batch's objective
    J = mean loss + (λ/2)Σ‖W‖² (the penalty's gradient λW added before the step, erratum 40).
    This is Algorithm 5.1 in its mini-batch form, which holds both as special cases.

    - ``X`` (N, ...) of any shape the model takes: (N, D), images (N, C, H, W), sequences
      (N, T, D); ``y`` the targets the loss takes ((N,) class labels by default).
    - Sampling: each epoch is a fresh permutation from ``rng`` (a Generator or a seed: same
      seed, same run) cut into batches; ``shuffle=False`` keeps the order 0..N−1 (batch GD is
      always in order).  ``replacement=True`` draws every batch independently, uniformly with
      replacement, ``steps_per_epoch`` batches per epoch (default ⌈N / batch_size⌉).
    - ``X_val``, ``y_val``: evaluated after every epoch.  ``patience``: stop once val_loss has
      not improved for ``patience`` epochs, and copy the best epoch's parameters back (in place).
    - ``clip``: rescale the gradients so that their global norm is at most ``clip``
      [Pascanu et al., 2013] (beyond the draft).
    - ``callback(epoch, history)``: called after every epoch; returning True stops training.
    - ``l2``: λ; None uses the model's own ``l2`` (the linear models) or 0.
    - ``loss``: a loss layer (`nndl.losses.Loss`); None uses ``model.default_loss()`` or
      `nndl.losses.SoftmaxCrossEntropy`.
    - ``progress``: True prints a line per epoch, an integer k every k epochs.

    The model is trained from its current parameters (the linear models create zeros first if
    they have none); the optimizer is not reset (call ``optimizer.reset()`` to reuse one).

    Fails loudly.  A wrong type (epochs=2.0, an optimizer that is not an `nndl.optim.Optimizer`,
    shuffle=1) raises TypeError, a wrong value (negative, inconsistent options, a shape that does
    not match) ValueError, before any parameter changes.  NaN or inf in X, y, X_val, y_val or the
    parameters raise ValueError naming the first bad row.  If a score, the loss, a gradient or a
    parameter stops being finite, or the loss exceeds 1e12 times its starting value (at least
    1e12), training stops with `nndl._validation.TrainingDiverged` naming the epoch and the last
    finite loss; the overflow is computed silently (np.errstate), so no RuntimeWarnings precede it.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nndl.optim.Optimizer, got {type(optimizer).__name__}")
    epochs = as_count(epochs, "epochs", minimum=0)
    shuffle = as_flag(shuffle, "shuffle")
    replacement = as_flag(replacement, "replacement")
    l2 = _model_l2(model, l2)
    loss = _check_loss_layer(loss, model)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(epoch, history), got {callback!r}")
    clip = None if clip is None else as_positive(clip, "clip")
    every = as_count(progress, "progress", minimum=0) if not isinstance(progress, bool) else int(progress)

    X = as_batch(X, "X")
    n = X.shape[0]
    y = _targets(loss, y, "y", X, "X")
    batch_size = n if batch_size is None else min(as_count(batch_size, "batch_size"), n)
    if replacement and not shuffle:
        raise ValueError("replacement=True draws random batches: it cannot be combined with shuffle=False")
    if steps_per_epoch is not None:
        steps_per_epoch = as_count(steps_per_epoch, "steps_per_epoch")
        if not replacement:
            raise ValueError(
                "steps_per_epoch applies to batches drawn with replacement (replacement=True); "
                "without it an epoch is one pass over the data"
            )
    elif replacement:
        steps_per_epoch = math.ceil(n / batch_size)
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    has_val = X_val is not None
    if has_val:
        X_val = as_batch(X_val, "X_val")
        y_val = _targets(loss, y_val, "y_val", X_val, "X_val")
    if patience is not None:
        patience = as_count(patience, "patience")
        if not has_val:
            raise ValueError("early stopping (patience) needs validation data X_val, y_val")
    build = getattr(model, "build", None)
    if callable(build):
        build(X, "X")
        if has_val:
            build(X_val, "X_val")
    for k, v in model.params.items():
        require_finite(np.asarray(v), f"model.params[{k!r}]")
    if clip is not None:
        from .rnn import clip_grad_norm  # here: nndl.rnn imports this module
    rng = np.random.default_rng(rng)

    history = History()
    best_val, best_params = np.inf, None
    last_finite, limit = None, np.inf  # for the divergence checks

    def checked_loss(Xb, yb, where: str):
        """(J, scores) on (Xb, yb); TrainingDiverged if the scores or J are not finite (or explode)."""
        nonlocal last_finite
        scores = model.forward(Xb)
        check_finite_scores(scores, where=where, last_finite=last_finite)
        value = check_loss(
            loss.forward(scores, yb) + penalty(model, l2), where=where, last_finite=last_finite, limit=limit
        )
        last_finite = value
        return value, scores

    def train_step(idx, where: str) -> None:
        """One forward/backward pass and one optimizer step on the batch ``idx`` (None: all), checked."""
        checked_loss(X, y, where) if idx is None else checked_loss(X[idx], y[idx], where)
        model.backward(loss.backward())
        grads = penalized_grads(model, l2)
        check_finite_arrays(grads, "gradient", where=where, last_finite=last_finite)
        if clip is not None:
            clip_grad_norm(grads, clip)
        optimizer.step(model.params, grads)
        check_finite_arrays(model.params, "parameter", where=where, last_finite=last_finite)

    def accuracy(scores, target) -> float | None:
        predicted = loss.predict(scores) if callable(getattr(loss, "predict", None)) else None
        return None if predicted is None else float(np.mean(predicted == target))

    def record(epoch: int) -> bool:
        """Append this epoch's numbers; True when early stopping or the callback says stop."""
        nonlocal best_val, best_params, limit
        where = f"epoch {epoch}"
        value, scores = checked_loss(X, y, where)  # one pass for loss and accuracy
        if epoch == 0:
            limit = 1e12 * max(1.0, abs(value))  # an explosion, whatever the data's scale
        history["train_loss"].append(value)
        line = f"epoch {epoch:4d}  loss {value:.4f}"
        acc = accuracy(scores, y)
        if acc is not None:
            history["train_accuracy"].append(acc)
            line += f"  accuracy {acc:.4f}"
        stop = None
        if has_val:
            scores = model.forward(X_val)
            check_finite_scores(scores, where=where, last_finite=last_finite)
            val = float(loss.forward(scores, y_val))
            history["val_loss"].append(val)
            line += f"  val_loss {val:.4f}"
            acc = accuracy(scores, y_val)
            if acc is not None:
                history["val_accuracy"].append(acc)
                line += f"  val_accuracy {acc:.4f}"
            if val < best_val:
                best_val, history["best_epoch"] = val, epoch
                if patience is not None:
                    best_params = {k: v.copy() for k, v in model.params.items()}
            best = history["best_epoch"]
            since_best = epoch + 1 if best is None else epoch - best  # None: every val_loss was NaN
            if patience is not None and since_best >= patience:
                stop = "patience"
        if epoch > 0 and callback is not None and callback(epoch, history) is True and stop is None:
            stop = "callback"
        if every and (epoch % every == 0 or stop or epoch == epochs):
            print(line, flush=True)
        history["stopped_by"] = stop
        return stop is not None

    # Too large a learning rate overflows somewhere (a product, exp, the update); the checks
    # above report that once, clearly, as TrainingDiverged, with no warnings first.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        stop = record(0)
        for epoch in range(1, epochs + 1):
            if stop:
                break
            where = f"epoch {epoch}"
            if replacement:
                for _ in range(steps_per_epoch):
                    train_step(rng.integers(0, n, size=batch_size), where)
            elif batch_size < n:
                for idx in minibatches(n, batch_size, rng=rng if shuffle else None, shuffle=shuffle):
                    train_step(idx, where)
            else:
                train_step(None, where)
            stop = record(epoch)
    if best_params is not None:
        params = model.params
        for k, v in best_params.items():
            params[k][...] = v
    return history
