"""The perceptron (感知器), draft chapter 4: binary, multiclass, voted and averaged.

Conventions
-----------
* Binary labels are **±1**, as in (4.1)-(4.3).  The draft also says the perceptron "outputs 0 or
  1" and writes the voted rule (4.14) "assuming 0/1 outputs"; that is a candidate erratum, since a
  sign vote over 0/1 outputs is a sum of non-negative terms and can never give −1 (the tests and
  the chapter 4 notebook demonstrate it).
* Inputs are batch first, ``X`` of shape ``(N, D)``.  The trainers use the vectors they are given;
  pass ``augment(X)`` (a leading column of ones) to learn the bias as part of w, as (4.2) does.
* Multiclass labels are integer class indices ``0 .. C-1``.  The weights are a ``(C, D)`` matrix
  ``W`` whose row-major flattening is the book's long vector w, so that
  ``W.ravel() @ feature_map(x, y, C) == W[y] @ x`` (the block layout of (4.12)-(4.13), corrected).
* Training is sequential over samples (Algorithms 4.1-4.3 are online algorithms); prediction,
  margins, radii and the voted rule are vectorised over the batch.  Every update is recorded
  (sample index, epoch, weights after the update) so a run can be replayed.
* Deterministic: samples are visited in order ``0 .. N-1`` unless ``shuffle=True``, in which case
  each epoch uses a permutation from ``np.random.default_rng(rng)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import as_count, as_label_array, as_real_array, require_finite, require_ndim

__all__ = [
    "augment",
    "predict",
    "radius",
    "margin",
    "max_margin",
    "MaxMargin",
    "make_separable",
    "make_xor",
    "Update",
    "PerceptronRun",
    "PerceptronNotConverged",
    "perceptron",
    "multiclass_perceptron",
    "averaged_perceptron",
    "feature_map",
    "multiclass_predict",
    "multiclass_margin",
    "multiclass_radius",
    "voted_predict",
    "averaged_predict",
    "naive_average",
]

RULES = ("<=", "<")


# ----------------------------------------------------------------------------- validation
def _as_matrix(X, name="X") -> np.ndarray:
    X = as_real_array(X, name)
    require_ndim(X, (2,), name, "(N, D): one sample per row")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have shape (N, D) with N >= 1 and D >= 1, got shape {X.shape}")
    return require_finite(X, name)


def _pm1_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must have shape (N,) = ({n},), got shape {y.shape}")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y must hold the numbers -1 and +1, got dtype {y.dtype}")
    bad = ~np.isin(y, (-1, 1))
    if bad.any():
        found = np.unique(y[bad])[:5]
        hint = (
            " (0/1 labels? use 2*y - 1: the perceptron's labels are ±1, see (4.1))"
            if set(np.unique(y).tolist()) <= {0, 1}
            else ""
        )
        raise ValueError(f"binary labels y must be -1 or +1, found {found.tolist()}{hint}")
    return y.astype(np.float64)


def _class_labels(y, n: int, num_classes: int | None) -> tuple[np.ndarray, int]:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must have shape (N,) = ({n},), got shape {y.shape}")
    if y.dtype.kind == "f":
        require_finite(y, "y")
    if y.dtype.kind not in "iuf" or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
        raise TypeError(f"multiclass labels y must be integer class indices, got dtype {y.dtype}")
    y = as_label_array(y, "y")  # rejects negative labels and floats too large to be one
    C = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if C < 2:
        raise ValueError(f"need at least 2 classes, got num_classes = {C}")
    if n and y.max() >= C:
        raise ValueError(f"class index {int(y.max())} out of range for num_classes = {C}")
    return y.astype(np.int64), C


def _check_training_args(epochs, rule, if_not_converged, average):
    as_count(epochs, "epochs (the draft's T)", minimum=1)  # TypeError for 2.0, ValueError for 0
    if rule not in RULES:
        raise ValueError(
            f"rule must be '<=' (update when w^T y x <= 0) or '<' (the draft's "
            f"printed condition), got {rule!r}"
        )
    if if_not_converged not in ("raise", "return"):
        raise ValueError(f"if_not_converged must be 'raise' or 'return', got {if_not_converged!r}")
    if average not in (None, "lazy", "naive"):
        raise ValueError(
            f"average must be None, 'lazy' (Algorithm 4.3) or 'naive' (4.16)-(4.17), got {average!r}"
        )


# ----------------------------------------------------------------------------- basics
def augment(X) -> np.ndarray:
    """Augmented inputs x̂ = [1, x] as rows ``(N, D+1)``: the bias becomes w[0], as in (4.2)."""
    X = _as_matrix(X)
    return np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])


def predict(w, X) -> np.ndarray:
    """Binary perceptron output (4.2): +1 where wᵀx > 0 and −1 where wᵀx ≤ 0, for rows of ``X``."""
    X = _as_matrix(X)
    w = require_finite(as_real_array(w, "w"), "w")
    if w.shape != (X.shape[1],):
        raise ValueError(f"w must have shape (D,) = ({X.shape[1]},) to match X, got {w.shape}")
    return np.where(X @ w > 0, 1, -1)


def radius(X) -> float:
    """R = maxᵢ ‖xᵢ‖ of Theorem 4.1 (pass augmented rows to get the theorem's R)."""
    X = _as_matrix(X)
    return float(np.sqrt(np.max(np.einsum("nd,nd->n", X, X))))


def margin(X, y, w) -> float:
    """Margin γ of Definition 4.1 for a direction w: minᵢ yᵢ wᵀxᵢ / ‖w‖ (negative if w errs)."""
    X = _as_matrix(X)
    y = _pm1_labels(y, X.shape[0])
    w = require_finite(as_real_array(w, "w"), "w")
    if w.shape != (X.shape[1],):
        raise ValueError(f"w must have shape (D,) = ({X.shape[1]},) to match X, got {w.shape}")
    norm = np.linalg.norm(w)
    if norm == 0:
        raise ValueError("w must be non-zero: the margin of Definition 4.1 uses w/‖w‖")
    return float(np.min(y * (X @ w)) / norm)


@dataclass(frozen=True)
class MaxMargin:
    """Result of `max_margin`: unit ``w`` with margin ``gamma`` (Definition 4.1); the best margin
    is ≤ ``gamma_upper``."""

    w: np.ndarray
    gamma: float
    gamma_upper: float
    iterations: int


def max_margin(X, y, tol: float = 1e-4, max_iter: int = 20000) -> MaxMargin:
    """Best margin γ* = max over unit w of minᵢ yᵢ wᵀxᵢ (Definition 4.1), certified approximately.

    Solves the hard-margin SVM without a separate bias, min ½‖w‖² s.t. yᵢ wᵀxᵢ ≥ 1, through its
    dual max Σα − ½‖Σ αᵢyᵢxᵢ‖² (α ≥ 0) by accelerated projected gradient ascent.  Any w gives a
    valid margin ``gamma`` = minᵢ yᵢ wᵀxᵢ/‖w‖ ≤ γ*, and weak duality gives γ* ≤ 1/√(2·dual) =
    ``gamma_upper``; iteration stops once (gamma_upper − gamma) ≤ tol·gamma_upper.  So ``gamma``
    is always a lower bound that makes Theorem 4.1's R²/γ² a valid bound.  Raises ValueError if
    the data are not linearly separable through the origin (pass augmented rows for a bias).
    """
    X = _as_matrix(X)
    y = _pm1_labels(y, X.shape[0])
    Z = y[:, None] * X  # rows zᵢ = yᵢ xᵢ
    G = Z @ Z.T
    L = max(float(np.linalg.eigvalsh(G)[-1]), 1e-300)  # Lipschitz constant of the dual gradient
    alpha = np.zeros(len(y))
    beta, t = alpha.copy(), 1.0
    best_w, best_gamma, upper = None, -np.inf, np.inf
    for it in range(1, max_iter + 1):
        new = np.maximum(beta + (1.0 - G @ beta) / L, 0.0)
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        beta = new + (t - 1) / t_new * (new - alpha)
        if (new - alpha) @ (G @ beta - 1.0) > 0:  # objective went down: restart momentum
            beta, t_new = new.copy(), 1.0
        alpha, t = new, t_new
        if it % 10 and it != max_iter:
            continue
        w = Z.T @ alpha
        norm = np.linalg.norm(w)
        dual = alpha.sum() - 0.5 * norm**2
        if dual > 0:
            upper = min(upper, 1.0 / np.sqrt(2.0 * dual))
        if norm > 0:
            gamma = float(np.min(Z @ w) / norm)
            if gamma > best_gamma:
                best_w, best_gamma = w / norm, gamma
        if best_gamma > 0 and upper - best_gamma <= tol * upper:
            break
    if best_w is None or best_gamma <= 0:
        raise ValueError(
            "the data are not linearly separable by a hyperplane through the origin "
            "(no positive margin found; pass augment(X) to allow a bias)"
        )
    return MaxMargin(best_w, best_gamma, float(upper), it)


def make_separable(n: int, margin: float, dim: int = 2, num_classes: int = 2, rng=None):
    """A random linearly separable set with margin at least ``margin`` (Definitions 4.1 / 4.2).

    Points are uniform in [−1, 1]^dim.  A random unit w* (shape (dim+1,), or (C, dim+1) with unit
    Frobenius norm for ``num_classes`` > 2) acts on the augmented x̂ = [1, x]; points whose
    margin under w* (Definition 4.1 or 4.2) is below ``margin`` are rejected.  Returns
    ``X (n, dim)``, labels ``y`` (±1 for two classes, 0..C−1 otherwise) and ``w_star``.
    """
    if (
        int(n) != n
        or n < 2
        or int(dim) != dim
        or dim < 1
        or int(num_classes) != num_classes
        or num_classes < 2
    ):
        raise ValueError(
            f"need integers n >= 2, dim >= 1, num_classes >= 2; got n={n}, dim={dim}, "
            f"num_classes={num_classes}"
        )
    if not margin > 0:
        raise ValueError(f"margin must be positive, got {margin}")
    rng = np.random.default_rng(rng)
    C = int(num_classes)
    for _ in range(100):  # a w* whose classes can all be populated
        if C == 2:
            w_star = rng.normal(size=dim + 1)
            w_star[0] *= 0.3  # boundary passes near the centre
            w_star /= np.linalg.norm(w_star)
        else:
            w_star = rng.normal(size=(C, dim + 1))  # rows of equal length, so every
            w_star[:, 1:] /= np.linalg.norm(w_star[:, 1:], axis=1, keepdims=True)  # class
            w_star[:, 0] *= 0.1  # owns a cone around the centre
            w_star /= np.linalg.norm(w_star)
        Xs, ys, tries = [], [], 0
        while sum(len(v) for v in ys) < n and tries < 200:
            tries += 1
            cand = rng.uniform(-1, 1, size=(4 * n, dim))
            scores = augment(cand) @ w_star.T
            if C == 2:
                keep = np.abs(scores) >= margin
                labels = np.where(scores > 0, 1, -1)
            else:
                top2 = np.sort(scores, axis=1)[:, -2:]
                keep = top2[:, 1] - top2[:, 0] >= margin
                labels = np.argmax(scores, axis=1)
            Xs.append(cand[keep])
            ys.append(labels[keep])
        X, y = np.concatenate(Xs)[:n], np.concatenate(ys)[:n]
        if len(y) == n and len(np.unique(y)) == C:
            return X, y, w_star
    raise ValueError(
        f"could not draw {n} points with margin {margin} in {C} classes: "
        f"margin too large for points in [-1, 1]^{dim}"
    )


def make_xor():
    """The four XOR points (±1 inputs) with labels +1 when the inputs differ: not linearly separable,
    so Algorithm 4.1 never converges on it."""
    X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y = np.array([-1, 1, 1, -1])
    return X, y


# ----------------------------------------------------------------------------- training runs
@dataclass(frozen=True)
class Update:
    """One update (4.4) k (1-based) of a run: sample ``index`` seen in ``epoch`` (1-based), weights after it.

    ``score`` is the quantity the update rule tested before updating: yᵢ w_{k−1}ᵀxᵢ for the binary
    perceptron, w_{k−1}ᵀ(φ(xᵢ, yᵢ) − φ(xᵢ, ŷᵢ)) for the multiclass one; it is ≤ 0 at every update.
    """

    k: int
    epoch: int
    index: int
    x: np.ndarray
    y: int
    predicted: int
    score: float
    w: np.ndarray


class PerceptronNotConverged(RuntimeError):
    """Algorithm 4.1 ended after T epochs (or detected a cycle) with samples still misclassified.

    The unfinished run is attached as ``.run``.
    """

    def __init__(self, message: str, run: "PerceptronRun"):
        super().__init__(message)
        self.run = run


@dataclass
class PerceptronRun:
    """Everything a training run did, so the notebook can replay it.

    ``weights[k]`` is w_k (w_0 = 0 first), ``indices[k-1]``, ``epochs_of_update[k-1]``,
    ``scores[k-1]`` and ``predicted[k-1]`` describe update k.  ``survival[k]`` is c_k of (4.14):
    how many samples w_k classified correctly before the next mistake (or the end).
    ``w_average`` is the averaged weight vector (4.16) when averaging was requested.
    """

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray
    indices: np.ndarray
    epochs_of_update: np.ndarray
    scores: np.ndarray
    predicted: np.ndarray
    survival: np.ndarray
    converged: bool
    epochs: int
    mistakes_last_epoch: int
    cycle: tuple[int, int] | None = None
    multiclass: bool = False
    w_average: np.ndarray | None = None
    rule: str = "<="
    steps: int = 0
    _updates: list = field(default=None, repr=False)

    @property
    def w(self) -> np.ndarray:
        """The final weights w_K (a copy of ``weights[-1]``)."""
        return self.weights[-1].copy()

    @property
    def n_updates(self) -> int:
        """K, the number of updates (= mistakes made during training)."""
        return len(self.indices)

    @property
    def updates(self) -> list[Update]:
        """The updates as `Update` records, k = 1 .. K."""
        if self._updates is None:
            self._updates = [
                Update(
                    k + 1,
                    int(self.epochs_of_update[k]),
                    int(i),
                    self.X[i],
                    int(self.y[i]),
                    int(self.predicted[k]),
                    float(self.scores[k]),
                    self.weights[k + 1],
                )
                for k, i in enumerate(self.indices)
            ]
        return self._updates


def _not_converged_message(run: PerceptronRun, name: str) -> str:
    n = len(run.y)
    msg = (
        f"{name} did not converge: {run.mistakes_last_epoch} of {n} samples were still "
        f"misclassified in epoch {run.epochs}"
    )
    if run.cycle is not None:
        first, again = run.cycle
        msg += (
            f"; the weights at the start of epoch {again} equal those at the start of epoch "
            f"{first}, so training cycles and would never converge ({run.n_updates} updates). "
            f"By the convergence theorem the data are therefore not linearly separable"
        )
    else:
        msg += (
            f", the last of T = {run.epochs} epochs ({run.n_updates} updates). The data may "
            f"not be linearly separable, or need more epochs"
        )
    msg += (
        " (XOR is not separable); use voted or averaged weights, or a network with a hidden "
        "layer (chapter 5)."
    )
    return msg


def _orders(n, epochs, shuffle, rng):
    if shuffle:
        gen = np.random.default_rng(rng)
        for _ in range(epochs):
            yield gen.permutation(n)
    else:
        order = np.arange(n)
        for _ in range(epochs):
            yield order


def _run_binary(X, y, epochs, rule, shuffle, rng, detect_cycles, average, early_stop=True):
    N, D = X.shape
    w = np.zeros(D)
    weights, indices, epochs_of, scores = [w.copy()], [], [], []
    survival = [0]
    seen = {}
    cycle, converged, t, mistakes = None, False, 0, 0
    total = np.zeros(D) if average == "naive" else None
    u = np.zeros(D) if average == "lazy" else None
    c = 0  # samples processed (Algorithm 4.3's c)
    strict = rule == "<"
    for t, order in enumerate(_orders(N, epochs, shuffle, rng), start=1):
        if detect_cycles and not shuffle:
            key = w.tobytes()
            if key in seen:
                cycle = (seen[key], t)
                t -= 1
                break
            seen[key] = t
        mistakes = 0
        for i in order:
            x, yi = X[i], y[i]
            s = yi * (w @ x)
            if (s < 0) if strict else (s <= 0):  # Algorithm 4.1, line 5
                delta = yi * x
                w = w + delta  # (4.4)
                if u is not None:
                    u += c * delta  # Algorithm 4.3, line 10
                weights.append(w)
                indices.append(i)
                epochs_of.append(t)
                scores.append(s)
                survival.append(0)
                mistakes += 1
            else:
                survival[-1] += 1
            if total is not None:
                total += w  # (4.17)
            c += 1
        if mistakes == 0:
            converged = True
            if early_stop:
                break
    run = PerceptronRun(
        X,
        y.astype(np.int64),
        np.array(weights),
        np.array(indices, dtype=np.int64),
        np.array(epochs_of, dtype=np.int64),
        np.array(scores),
        -y[np.array(indices, dtype=np.int64)].astype(np.int64),
        np.array(survival, dtype=np.int64),
        converged,
        t,
        mistakes,
        cycle,
        rule=rule,
        steps=c,
    )
    if average == "naive":
        run.w_average = total / c  # (4.16)
    elif average == "lazy":
        run.w_average = w - u / c  # Algorithm 4.3, line 15
    return run


def _run_multiclass(X, y, C, epochs, shuffle, rng, detect_cycles, average, early_stop=True):
    N, D = X.shape
    W = np.zeros((C, D))
    weights, indices, epochs_of, scores, predicted = [W.copy()], [], [], [], []
    survival = [0]
    seen = {}
    cycle, converged, t, mistakes = None, False, 0, 0
    total = np.zeros((C, D)) if average == "naive" else None
    U = np.zeros((C, D)) if average == "lazy" else None
    c = 0
    for t, order in enumerate(_orders(N, epochs, shuffle, rng), start=1):
        if detect_cycles and not shuffle:
            key = W.tobytes()
            if key in seen:
                cycle = (seen[key], t)
                t -= 1
                break
            seen[key] = t
        mistakes = 0
        for i in order:
            x, yi = X[i], y[i]
            s = W @ x
            yhat = int(np.argmax(s))  # (4.11), ties to the lowest index
            if yhat != yi:  # Algorithm 4.2, line 7
                W = W.copy()
                W[yi] += x  # w += φ(x, y) − φ(x, ŷ), line 8
                W[yhat] -= x
                if U is not None:
                    U[yi] += c * x
                    U[yhat] -= c * x
                weights.append(W)
                indices.append(i)
                epochs_of.append(t)
                scores.append(s[yi] - s[yhat])
                predicted.append(yhat)
                survival.append(0)
                mistakes += 1
            else:
                survival[-1] += 1
            if total is not None:
                total += W
            c += 1
        if mistakes == 0:
            converged = True
            if early_stop:
                break
    run = PerceptronRun(
        X,
        y,
        np.array(weights),
        np.array(indices, dtype=np.int64),
        np.array(epochs_of, dtype=np.int64),
        np.array(scores),
        np.array(predicted, dtype=np.int64),
        np.array(survival, dtype=np.int64),
        converged,
        t,
        mistakes,
        cycle,
        multiclass=True,
        steps=c,
    )
    if average == "naive":
        run.w_average = total / c
    elif average == "lazy":
        run.w_average = W - U / c
    return run


def perceptron(
    X,
    y,
    epochs: int = 100,
    *,
    rule: str = "<=",
    shuffle: bool = False,
    rng=None,
    detect_cycles: bool = True,
    if_not_converged: str = "raise",
    average: str | None = None,
) -> PerceptronRun:
    """Binary perceptron, Algorithm 4.1, from w₀ = 0; labels ±1, ``X`` rows as given (augment first).

    An update w_{k+1} = w_k + yᵢxᵢ (4.4) happens when yᵢ w_kᵀxᵢ ≤ 0 (``rule="<="``).  The draft
    prints ``< 0`` (``rule="<"``): from w₀ = 0 every score is 0, nothing is ever updated and
    the run "converges" to w = 0 (candidate erratum, kept selectable to demonstrate it).

    Training stops after an epoch without mistakes (``converged``) or after ``epochs`` = T epochs.
    With ``detect_cycles`` (and a fixed sample order) it also stops as soon as the weights at the
    start of an epoch repeat an earlier epoch's: from then on training cycles forever.  If it
    did not converge, ``if_not_converged="raise"`` raises `PerceptronNotConverged` with a message
    saying why (the run is attached as ``.run``); ``"return"`` returns the run.
    ``average="lazy"`` / ``"naive"`` also computes the averaged weights (Algorithm 4.3 / (4.16)).
    """
    _check_training_args(epochs, rule, if_not_converged, average)
    X = _as_matrix(X)
    y = _pm1_labels(y, X.shape[0])
    run = _run_binary(X.astype(np.float64), y, int(epochs), rule, shuffle, rng, detect_cycles, average)
    if not run.converged and if_not_converged == "raise":
        raise PerceptronNotConverged(_not_converged_message(run, "the perceptron"), run)
    return run


# ----------------------------------------------------------------------------- multiclass
def feature_map(X, y, num_classes: int) -> np.ndarray:
    """φ(x, y) of (4.12)-(4.13) for each row: the Kronecker product φ(y) ⊗ x, shape (N, C·D).

    φ(y) is the one-hot vector of class y, so class c's copy of x occupies the contiguous block
    c·D .. c·D + D − 1 (0-based; rows (c−1)m+1 .. cm in the book's 1-based numbering with m = D).
    This equals vec(x φ(y)ᵀ) with the column-major vec of section 2.3; the draft's vec(φ(y) xᵀ) is
    x ⊗ φ(y), which interleaves the entries instead (candidate erratum on (4.12)-(4.13)).
    A single sample may be passed as ``x`` of shape (D,) with an integer ``y``: returns (C·D,).
    """
    single = np.ndim(X) == 1
    Xm = _as_matrix(np.atleast_2d(X))
    yv, C = _class_labels(np.atleast_1d(y), Xm.shape[0], num_classes)
    onehot = np.eye(C, dtype=Xm.dtype)[yv]  # φ(y), (N, C)
    phi = (onehot[:, :, None] * Xm[:, None, :]).reshape(len(yv), -1)  # row n: kron(φ(y_n), x_n)
    return phi[0] if single else phi


def multiclass_predict(W, X) -> np.ndarray:
    """ŷ = argmax_y wᵀφ(x, y) = argmax_c W[c]·x (4.11) for each row of ``X``; ties → lowest c."""
    X = _as_matrix(X)
    W = require_finite(as_real_array(W, "W"), "W")
    if W.ndim != 2 or W.shape[1] != X.shape[1]:
        raise ValueError(f"W must have shape (C, D) with D = {X.shape[1]}, got {W.shape}")
    return np.argmax(X @ W.T, axis=1)


def multiclass_margin(X, y, W) -> float:
    """γ of Definition 4.2 for weights W (normalised to unit Frobenius norm ‖w‖ = 1).

    minᵢ min_{z≠yᵢ} ⟨w, φ(xᵢ, yᵢ) − φ(xᵢ, z)⟩ = minᵢ (W[yᵢ]·xᵢ − max_{z≠yᵢ} W[z]·xᵢ) / ‖W‖.
    """
    X = _as_matrix(X)
    W = require_finite(as_real_array(W, "W"), "W")
    if W.ndim != 2 or W.shape[1] != X.shape[1]:
        raise ValueError(f"W must have shape (C, D) with D = {X.shape[1]}, got {W.shape}")
    y, _ = _class_labels(y, X.shape[0], W.shape[0])
    norm = np.linalg.norm(W)
    if norm == 0:
        raise ValueError("W must be non-zero: Definition 4.2 uses a unit-norm w")
    S = X @ W.T / norm
    rows = np.arange(len(y))
    true = S[rows, y]
    S[rows, y] = -np.inf
    return float(np.min(true - S.max(axis=1)))


def multiclass_radius(X) -> float:
    """R of Theorem 4.2: maxᵢ max_{z≠yᵢ} ‖φ(xᵢ, yᵢ) − φ(xᵢ, z)‖ = √2 · maxᵢ ‖xᵢ‖.

    The two copies of xᵢ sit in disjoint blocks of φ, so the difference has squared norm 2‖xᵢ‖²
    whatever the labels are.
    """
    return float(np.sqrt(2.0) * radius(X))


def multiclass_perceptron(
    X,
    y,
    num_classes: int | None = None,
    epochs: int = 100,
    *,
    shuffle: bool = False,
    rng=None,
    detect_cycles: bool = True,
    if_not_converged: str = "raise",
    average: str | None = None,
) -> PerceptronRun:
    """Multiclass perceptron, Algorithm 4.2 [Collins 2002], from W = 0; labels 0..C−1.

    Predict ŷ = argmax_c W[c]·x (4.11); on a mistake w ← w + φ(x, y) − φ(x, ŷ), i.e. W[y] += x and
    W[ŷ] −= x.  ``weights`` has shape (K+1, C, D).  Stopping, cycle detection, ``if_not_converged``
    and ``average`` behave as in `perceptron`.  Theorem 4.2 bounds the updates by R²/γ² with R
    from `multiclass_radius` and γ from `multiclass_margin`.
    """
    _check_training_args(epochs, "<=", if_not_converged, average)
    X = _as_matrix(X)
    y, C = _class_labels(y, X.shape[0], num_classes)
    run = _run_multiclass(X.astype(np.float64), y, C, int(epochs), shuffle, rng, detect_cycles, average)
    if not run.converged and if_not_converged == "raise":
        raise PerceptronNotConverged(_not_converged_message(run, "the multiclass perceptron"), run)
    return run


# ----------------------------------------------------------------------------- voted and averaged
def averaged_perceptron(
    X,
    y,
    epochs: int = 10,
    *,
    method: str = "lazy",
    multiclass: bool = False,
    num_classes: int | None = None,
    shuffle: bool = False,
    rng=None,
) -> PerceptronRun:
    """Averaged perceptron [Collins 2002]: run T epochs and average the weights, (4.15)-(4.17).

    ``method="naive"`` adds the current weights after every sample, w̄ += w_{t,i} (4.17), and
    divides by nT (4.16): one dense addition per sample.  ``method="lazy"`` is Algorithm 4.3:
    it keeps u += c·Δ at updates only and returns w̄ = w − u/c (c = nT samples seen), touching
    dense vectors only on mistakes.  Both give the same w̄ (to rounding).  The run does all T
    epochs (no early stop, no error on non-separable data); w̄ is ``run.w_average``.
    """
    if method not in ("lazy", "naive"):
        raise ValueError(f"method must be 'lazy' (Algorithm 4.3) or 'naive' ((4.16)-(4.17)), got {method!r}")
    _check_training_args(epochs, "<=", "return", method)
    X = _as_matrix(X).astype(np.float64)
    if multiclass:
        yv, C = _class_labels(y, X.shape[0], num_classes)
        return _run_multiclass(X, yv, C, int(epochs), shuffle, rng, False, method, early_stop=False)
    yv = _pm1_labels(y, X.shape[0])
    return _run_binary(X, yv, int(epochs), "<=", shuffle, rng, False, method, early_stop=False)


def naive_average(run: PerceptronRun) -> np.ndarray:
    """(4.16) recomputed from a recorded run: Σ_k m_k w_k / (nT), m_k = steps that ended with w_k.

    After update k the weights stay w_k for the update step itself and its c_k correct
    successors, so m_k = c_k + 1 for k ≥ 1 and m_0 = c_0.  This is the link between the survival
    counts of the voted perceptron (4.14) and the averaged weights (4.15)-(4.16).
    """
    m = run.survival + (np.arange(len(run.survival)) > 0)
    return np.tensordot(m, run.weights, axes=1) / m.sum()


def averaged_predict(run: PerceptronRun, X) -> np.ndarray:
    """Predict with the averaged weights w̄ of a run (4.15): sign(w̄ᵀx) or argmax_c w̄[c]·x."""
    if run.w_average is None:
        raise ValueError(
            "this run has no averaged weights: train with average='lazy' or use averaged_perceptron"
        )
    return multiclass_predict(run.w_average, X) if run.multiclass else predict(run.w_average, X)


def voted_predict(run: PerceptronRun, X, chunk: int = 256) -> np.ndarray:
    """Voted perceptron (4.14) [Freund & Schapire 1999]: every w_k votes with weight c_k.

    Binary: ŷ = sign(Σ_k c_k sign(w_kᵀx)) with the ±1 outputs of (4.2) (a tie, or score 0, gives −1
    as in (4.2)).  Multiclass: each w_k votes c_k for its own prediction argmax_c w_k[c]·x and the
    class with the most votes wins.  Vectorised over the batch; ``chunk`` weight vectors at a time.
    """
    X = _as_matrix(X)
    W, c = run.weights, run.survival.astype(np.float64)
    if W.shape[-1] != X.shape[1]:
        raise ValueError(f"X must have shape (N, {W.shape[-1]}) to match the run, got {X.shape}")
    if run.multiclass:
        C = W.shape[1]
        votes = np.zeros((X.shape[0], C))
        for s in range(0, len(W), chunk):
            block = W[s : s + chunk]
            scores = (X @ block.reshape(-1, block.shape[2]).T).reshape(X.shape[0], len(block), C)
            pred = np.argmax(scores, axis=2).T  # (k, N)
            cell = (np.arange(X.shape[0]) * C + pred).ravel()  # (n, class)
            votes += np.bincount(
                cell, weights=np.repeat(c[s : s + chunk], X.shape[0]), minlength=X.shape[0] * C
            ).reshape(X.shape[0], C)
        return np.argmax(votes, axis=1)
    total = np.zeros(X.shape[0])
    for s in range(0, len(W), chunk):
        signs = np.where(X @ W[s : s + chunk].T > 0, 1.0, -1.0)  # (N, k): outputs of (4.2)
        total += signs @ c[s : s + chunk]
    return np.where(total > 0, 1, -1)
