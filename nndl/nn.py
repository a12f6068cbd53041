"""Feedforward networks and backpropagation (draft chapter 5, 前馈神经网络): the layer protocol.

The layer protocol (shared with chapters 6 and 7)
-------------------------------------------------
A layer is any object with

- ``params``: dict name -> learnable array (empty for a layer without parameters);
- ``grads``: dict with the same keys, filled by ``backward``;
- ``forward(x)``: the output, caching whatever ``backward`` needs;
- ``backward(dy)``: given dL/d(output), fill ``grads`` with dL/d(param) and return dL/dx;
- ``regularized``: the names of the params that L2 regularization penalizes (weights, never
  biases); ``()`` by default.

Everything is batch first and vectorized over the batch: there is no Python loop over samples.
`Sequential` chains layers and exposes their params and grads under unique prefixed names
(``"0.W"``, ``"0.b"``, ``"2.W"``, ...: the layer's index, a dot, the layer's own name), so one
`nndl.optim` optimizer trains the whole network.

From the book's columns to the code's rows
------------------------------------------
The draft writes one sample as a column: z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾ (5.7) with
W⁽ˡ⁾ ∈ R^{n_l × n_{l−1}}.  `Dense` stores W with exactly that shape, and a batch of N samples is
an (N, n_{l−1}) array whose rows are the samples, so (5.7) for all of them at once is
``Z = A @ W.T + b``.  Backpropagation follows: the rows of ``dZ`` are the error terms δ⁽ˡ⁾ of the
samples (5.24), ``dZ.T @ A`` is Σ_i δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ, the sum over the batch of (5.22), and
``dZ @ W`` is (W⁽ˡ⁾)ᵀδ⁽ˡ⁾ for every row, the product in (5.27).

Objective
---------
J(W, b) = (1/N) Σ_i L(y⁽ⁱ⁾, f(x⁽ⁱ⁾)) + (λ/2) Σ_l ‖W⁽ˡ⁾‖²_F: the draft's (5.11) with the data term
averaged rather than summed (as everywhere in `nndl`, so λ here is the draft's λ/N) and with the
Frobenius norm written correctly (erratum 39: Σ_l Σ_i Σ_j (W⁽ˡ⁾_ij)², squared).  Biases are not
penalized.  The gradient of the penalty is λW⁽ˡ⁾, and it belongs *inside* the step:
W⁽ˡ⁾ ← W⁽ˡ⁾ − α(∂J_data/∂W⁽ˡ⁾ + λW⁽ˡ⁾), not the printed (5.14) W − α Σ ∂J/∂W − λW (erratum 40).
`loss_and_grads` returns the gradient with the penalty already added, as `fit` does before
each step.  `fit`, `penalty` and `SoftmaxCrossEntropy` live in `nndl.training` and
`nndl.losses` (one loop and one loss for every chapter); they are importable from here too.

Initialization
--------------
`init_weights`: ``"small"`` draws N(0, scale²) with scale = 0.01 by default, the small random
numbers that Algorithm 5.1's "初始化 W, b" leaves unspecified.  ``"glorot"`` [Glorot and Bengio,
2010] and ``"he"`` [He et al., 2015] scale with the layer's fan-in/fan-out; both are beyond the
2015 draft.  Biases start at 0.  ``dtype`` must be a floating dtype (an integer dtype would
truncate the small weights to zeros).

Failing loudly
--------------
`fit`, `SoftmaxCrossEntropy` and `Sequential.predict` reject NaN and inf in the data with a
``ValueError`` naming the argument and the first bad row.  When the loss, a gradient or a
parameter stops being finite during training (too large a learning rate), `fit` stops with
`nndl._validation.TrainingDiverged` naming the epoch and the last finite loss; the overflow
itself is computed silently, so no storm of RuntimeWarnings comes first.

Threads
-------
A layer caches its forward pass for backward and keeps one ``grads`` dict, so one layer object
cannot serve two threads at once.  Every `Layer` (including subclasses in `nndl.conv` and
`nndl.rnn`) detects this and raises ``RuntimeError`` instead of returning wrong gradients: when
a thread calls ``forward`` or ``backward`` while another thread is inside either of them, and
when ``backward`` would use the cache of a ``forward`` run by another thread.  Give each thread
its own copy (``copy.deepcopy(layer)``, which also works for `Sequential` models).  Using a layer
from several threads *in turn* (one finishes forward and backward before the next starts) is fine.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from . import functions as F
from ._validation import as_count as _count
from ._validation import (
    as_float_dtype,
    as_nonnegative,
    as_real_array,
    check_finite_scores,
    require_finite,
)
from .gradcheck import converted_copy, numerical_gradient, relative_error
from .losses import SoftmaxCrossEntropy
from .training import fit, penalized_grads, penalty

__all__ = [
    "Layer",
    "Dense",
    "Activation",
    "Logistic",
    "Tanh",
    "ReLU",
    "Softplus",
    "Sequential",
    "INITS",
    "init_weights",
    "mlp",
    "objective",
    "loss_and_grads",
    "gradient_check",
    "delta_norms",
    "DEFAULT_GRADIENT_INITS",
    "vanishing_gradients_runs",
]

#: The initialization methods of `init_weights` (section 5.4: small random, Glorot, He).
INITS = ("small", "glorot", "he")


# ---------------------------------------------------------------------------- initialization
def init_weights(
    n_out: int, n_in: int, method: str = "small", scale=None, rng=None, dtype=np.float64
) -> np.ndarray:
    """A weight matrix W (n_out, n_in), the draft's W⁽ˡ⁾ ∈ R^{n_l × n_{l−1}}.

    - ``"small"``: N(0, scale²), scale = 0.01 unless given (the draft's small random init);
    - ``"glorot"``: U(−a, a) with a = scale·√(6 / (n_in + n_out)), scale = 1 unless given; the
      variance 2 / (n_in + n_out) keeps activations and gradients of tanh-like units at a steady
      size in both directions [Glorot and Bengio, 2010].  Beyond the draft.
    - ``"he"``: N(0, scale²·2 / n_in), scale = 1 unless given; the factor 2 makes up for ReLU
      zeroing half of its inputs [He et al., 2015].  Beyond the draft.

    ``rng`` is a ``numpy.random.Generator`` or a seed; ``dtype`` a floating dtype (TypeError
    otherwise).
    """
    n_out, n_in = _count(n_out, "n_out"), _count(n_in, "n_in")
    dtype = as_float_dtype(dtype)
    if method not in INITS:
        raise ValueError(f"method must be one of {INITS}, got {method!r}")
    scale = (0.01 if method == "small" else 1.0) if scale is None else as_nonnegative(scale, "scale")
    rng = np.random.default_rng(rng)
    if method == "small":
        W = scale * rng.standard_normal((n_out, n_in))
    elif method == "glorot":
        a = scale * np.sqrt(6.0 / (n_in + n_out))
        W = rng.uniform(-a, a, size=(n_out, n_in))
    else:
        W = scale * np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in))
    return W.astype(dtype, copy=False)


# ------------------------------------------------------------------------------- the protocol
_LOCK_CREATION = threading.Lock()  # so two threads cannot give one layer two different locks


def _layer_lock(layer) -> threading.RLock:
    """The layer's own re-entrant lock, created on first use (subclasses need not call __init__)."""
    lock = layer.__dict__.get("_thread_lock")
    if lock is None:
        with _LOCK_CREATION:
            lock = layer.__dict__.setdefault("_thread_lock", threading.RLock())
    return lock


def _thread_guarded(method, is_forward: bool):
    """Wrap a layer's forward/backward so that sharing the layer between threads raises RuntimeError.

    The call holds the layer's lock (re-entrant, so ``super().forward()`` and nested
    `Sequential` models work); forward records its thread, and backward refuses a cache that
    another thread's forward wrote.  See "Threads" in the module docstring.
    """

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        lock = self.__dict__.get("_thread_lock") or _layer_lock(self)
        if not lock.acquire(blocking=False):
            raise RuntimeError(
                f"{type(self).__name__} is being used by another thread; give each "
                f"thread its own copy (copy.deepcopy(layer))"
            )
        try:
            me = threading.get_ident()
            if not is_forward and self.__dict__.get("_forward_thread", me) != me:
                raise RuntimeError(
                    f"{type(self).__name__}.backward: the forward pass it would "
                    f"differentiate was run by another thread; give each thread its "
                    f"own copy (copy.deepcopy(layer))"
                )
            out = method(self, *args, **kwargs)
            if is_forward:
                self._forward_thread = me
            return out
        finally:
            lock.release()

    guarded._thread_guarded = True
    return guarded


class Layer:
    """Base class of the layer protocol: ``params``, ``grads``, ``forward`` (5.7), ``backward`` (5.27).

    Subclasses set ``self.params``/``self.grads`` in ``__init__`` (leave them empty if there are
    no parameters) and list the penalized parameter names in ``regularized``.  Every subclass's
    ``forward`` and ``backward`` are wrapped by a thread guard (module docstring, "Threads").
    """

    regularized: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("forward", "backward"):
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_thread_guarded", False):
                setattr(cls, name, _thread_guarded(method, is_forward=name == "forward"))

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def __getstate__(self):
        """For copy.deepcopy and pickle: a copy gets its own lock and belongs to no thread yet."""
        state = self.__dict__.copy()
        state.pop("_thread_lock", None)
        state.pop("_forward_thread", None)
        return state

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def _cached(self, attr: str):
        value = getattr(self, attr, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return value

    @staticmethod
    def _check_dy(dy, shape, name: str) -> np.ndarray:
        dy = as_real_array(dy, "dy")
        if dy.shape != shape:
            raise ValueError(f"{name}.backward: dy must have the shape of the output {shape}, got {dy.shape}")
        return dy


class Dense(Layer):
    """Fully connected layer z = W a + b, eq. (5.7), for a batch: ``Z = X @ W.T + b``.

    ``W`` is (out_features, in_features) as the draft's W⁽ˡ⁾, ``b`` is (out_features,).
    backward(dZ) sets ``grads["W"] = dZᵀX`` (Σ over the batch of δ aᵀ, (5.22)),
    ``grads["b"] = Σ_rows dZ`` (5.23) and returns ``dZ @ W`` ((W)ᵀδ per row, as in (5.27)).
    """

    regularized = ("W",)

    def __init__(
        self, in_features: int, out_features: int, init: str = "small", scale=None, rng=None, dtype=np.float64
    ) -> None:
        super().__init__()
        self.in_features = _count(in_features, "in_features")
        self.out_features = _count(out_features, "out_features")
        W = init_weights(self.out_features, self.in_features, init, scale, rng, dtype)
        self.params = {"W": W, "b": np.zeros(self.out_features, dtype=W.dtype)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(self.params["b"])}
        self._x = None

    def forward(self, x):
        x = as_real_array(x, "x")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"Dense({self.in_features}, {self.out_features}) expects input of shape "
                f"(N, D) with D = {self.in_features}, got shape {x.shape}"
            )
        self._x = x
        return x @ self.params["W"].T + self.params["b"]

    def backward(self, dy):
        x = self._cached("_x")
        dy = self._check_dy(dy, (x.shape[0], self.out_features), "Dense")
        self.grads["W"] = dy.T @ x  # Σ_i δ⁽ⁱ⁾ a⁽ⁱ⁾ᵀ, (5.22)
        self.grads["b"] = dy.sum(axis=0)  # Σ_i δ⁽ⁱ⁾, (5.23)
        return dy @ self.params["W"]  # rows (W)ᵀ δ⁽ⁱ⁾, (5.27) before f'

    def __repr__(self) -> str:
        return f"Dense({self.in_features}, {self.out_features})"


class Activation(Layer):
    """Elementwise activation a = f(z), eq. (5.8), for any function in `nndl.functions.ACTIVATIONS`.

    backward(dA) returns f'(z) ⊙ dA, the diag(f'(z)) of (5.29)–(5.30) applied as a Hadamard
    product (5.27).  Works on arrays of any shape.  No parameters.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        if name not in F.ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; choose one of {sorted(F.ACTIVATIONS)}")
        self.name = name
        self.f, self.f_prime = F.ACTIVATIONS[name]
        self._z = None

    def forward(self, z):
        z = as_real_array(z, "z")
        self._z = z
        return self.f(z)

    def backward(self, dy):
        z = self._cached("_z")
        dy = self._check_dy(dy, z.shape, type(self).__name__)
        return self.f_prime(z) * dy

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


class Logistic(Activation):
    """σ(z) = 1 / (1 + e^{−z}), eq. (5.3)."""

    def __init__(self) -> None:
        super().__init__("logistic")


class Tanh(Activation):
    """tanh(z), eq. (5.4)."""

    def __init__(self) -> None:
        super().__init__("tanh")


class ReLU(Activation):
    """The rectifier max(0, z), eq. (5.5)."""

    def __init__(self) -> None:
        super().__init__("relu")


class Softplus(Activation):
    """softplus(z) = log(1 + e^z), eq. (5.6)."""

    def __init__(self) -> None:
        super().__init__("softplus")


# --------------------------------------------------------------------------------- Sequential
class Sequential(Layer):
    """Layers applied in order, x = a⁽⁰⁾ → z⁽¹⁾ → a⁽¹⁾ → ... → a⁽ᴸ⁾, eq. (5.10).

    ``params``/``grads`` are flat dicts over all layers with keys ``f"{index}.{name}"``; their
    values are the layers' own arrays, so an optimizer updating ``params`` in place updates the
    layers.  ``backward`` keeps ``output_grads[i]``, dL/d(output of layer i): for a `Dense` layer
    that is the error term δ⁽ˡ⁾ = ∂J/∂z⁽ˡ⁾ of (5.24), one row per sample.
    """

    def __init__(self, *layers) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for k, layer in enumerate(layers):
            missing = [a for a in ("params", "grads", "forward", "backward") if not hasattr(layer, a)]
            if missing:
                raise TypeError(
                    f"layer {k} ({type(layer).__name__}) does not follow the layer "
                    f"protocol: it lacks {missing}"
                )
        self.layers = list(layers)
        self.output_grads: list[np.ndarray] = []  # params/grads: properties below

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    @property
    def regularized(self) -> tuple[str, ...]:
        return tuple(
            f"{i}.{k}" for i, layer in enumerate(self.layers) for k in getattr(layer, "regularized", ())
        )

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy):
        grads = [None] * len(self.layers)
        for i in range(len(self.layers) - 1, -1, -1):
            grads[i] = dy
            dy = self.layers[i].backward(dy)
        self.output_grads = grads
        return dy

    def predict(self, X):
        """The class with the largest output (score) for every row of X, int64 (N,).

        NaN or inf in X, or in the scores (a diverged model), raise ValueError: argmax would
        silently call such a row class 0.
        """
        return np.argmax(self._finite_scores(X), axis=1).astype(np.int64)

    def predict_proba(self, X):
        """softmax of the outputs, one distribution per row (N, C); checked as `predict`."""
        return F.softmax(self._finite_scores(X), axis=1)

    def _finite_scores(self, X) -> np.ndarray:
        scores = self.forward(require_finite(as_real_array(X, "X"), "X"))
        check_finite_scores(scores)
        return scores

    @property
    def num_params(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner}\n)"


def mlp(
    sizes, activation: str = "relu", init: str = "small", scale=None, rng=None, dtype=np.float64
) -> Sequential:
    """A multilayer perceptron, (5.7) layer by layer: Dense(sizes[0], sizes[1]), activation, ...,
    Dense(sizes[-2], sizes[-1]).

    The last layer has no activation: its outputs are the scores (logits) that
    `SoftmaxCrossEntropy` turns into probabilities.  ``mlp([2, 4, 2], "tanh")`` is a two-layer
    network with 4 hidden tanh units.  All weights are drawn from one ``rng`` (a seed or a
    Generator), so the same seed gives the same network.
    """
    sizes = [_count(s, "every layer size") for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size, got {sizes}")
    if activation not in F.ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(F.ACTIVATIONS)}")
    rng = np.random.default_rng(rng)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, init=init, scale=scale, rng=rng, dtype=dtype))
        if k < len(sizes) - 2:
            layers.append(Activation(activation))
    return Sequential(layers)


# ------------------------------------------------------------------- vanishing gradients (5.4)
#: The initializations compared by `vanishing_gradients_runs` (section 5.4): (label, method, scale)
#: for `init_weights`.
DEFAULT_GRADIENT_INITS = (("N(0, 0.01²)", "small", 0.01), ("Glorot", "glorot", None), ("He", "he", None))


def vanishing_gradients_runs(
    X,
    y,
    depths=(4, 10),
    activations=("logistic", "tanh", "relu"),
    inits=DEFAULT_GRADIENT_INITS,
    width: int = 32,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 0.02,
    rng=0,
):
    """Section 5.4: per-layer ‖δ⁽ˡ⁾‖ (5.11) at initialization and the training curve, per configuration.

    For each depth L (number of `Dense` layers), initialization and activation, a fresh
    ``mlp([D] + [width]·(L−1) + [C])`` (same seed for all) gives `delta_norms` on (X, y),
    then trains with momentum SGD (lr, ρ = 0.9) for ``epochs`` epochs.  Returns a list of dicts
    with keys depth, init, activation, deltas (L,), loss (epochs + 1,), accuracy (training).
    """
    from .optim import Momentum

    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    classes = int(y.max()) + 1
    runs = []
    for depth in depths:
        sizes = [X.shape[1]] + [int(width)] * (int(depth) - 1) + [classes]
        for label, method, scale in inits:
            for act in activations:
                model = mlp(sizes, act, init=method, scale=scale, rng=rng)
                deltas = delta_norms(model, X, y)
                hist = fit(model, X, y, Momentum(lr, 0.9), epochs, batch_size=batch_size, rng=rng)
                runs.append(
                    {
                        "depth": int(depth),
                        "init": label,
                        "activation": act,
                        "deltas": deltas,
                        "loss": np.asarray(hist["train_loss"]),
                        "accuracy": hist["train_accuracy"][-1],
                    }
                )
    return runs


# --------------------------------------------------------------------- objective and gradient
def objective(model, X, y, loss=None, l2: float = 0.0) -> float:
    """J = mean loss + (λ/2) Σ‖W‖²_F on (X, y), eq. (5.11) corrected; no gradients."""
    loss = SoftmaxCrossEntropy() if loss is None else loss
    X = require_finite(as_real_array(X, "X"), "X")
    return loss.forward(model.forward(X), y) + penalty(model, l2)


def loss_and_grads(model, X, y, loss=None, l2: float = 0.0):
    """One forward and one backward pass: returns ``(J, grads)``.

    ``grads`` is a new dict name -> ∂J/∂param for every entry of ``model.params``, with the
    penalty's gradient λW already added to the weights (not to the biases), so
    ``optimizer.step(model.params, grads)`` is the corrected update (5.13)–(5.16) (erratum 40).
    """
    l2 = as_nonnegative(l2, "l2")
    loss = SoftmaxCrossEntropy() if loss is None else loss
    X = require_finite(as_real_array(X, "X"), "X")
    value = loss.forward(model.forward(X), y) + penalty(model, l2)
    model.backward(loss.backward())
    return value, penalized_grads(model, l2)


def gradient_check(
    model, X, y, loss=None, l2: float = 0.0, h: float = 1e-5, inputs: bool = False
) -> dict[str, float]:
    """Relative error between backpropagation (5.22)–(5.27) and central differences for every parameter.

    Returns a dict name -> `nndl.gradcheck.relative_error`; with ``inputs=True`` also ``"input"``,
    the check of dJ/dX (what ``backward`` returns).  Parameters are restored afterwards.  Runs in
    float64: a model with float32 parameters is checked on a float64 deep copy (float32 round-off
    divided by h would swamp the differences; the model itself is untouched).  Use a small
    network: each parameter entry costs two forward passes.  The step
    ``h = 1e-5`` (not 1e-6) because J is of order 1 while a deep logistic network's bias
    gradients can be 1e-4: the round-off error ε·J/h of the difference would dominate.
    ReLU has no derivative where a state is exactly 0 (after a layer whose units are all
    inactive for a sample and a zero bias, for instance): give the biases small random values
    before checking.
    """
    loss = SoftmaxCrossEntropy() if loss is None else loss
    X = require_finite(as_real_array(X, "X"), "X").astype(np.float64, copy=False)
    if any(v.dtype != np.float64 for v in model.params.values()):
        model = converted_copy(model, np.float64)
    _, grads = loss_and_grads(model, X, y, loss, l2)
    analytic = {k: np.array(v, copy=True) for k, v in grads.items()}
    if inputs:
        analytic_x = model.backward(loss.backward())  # same forward state as above
    errors = {}
    for name, p in model.params.items():
        orig = p.copy()

        def f(v, p=p):
            p[...] = v
            return objective(model, X, y, loss, l2)

        numeric = numerical_gradient(f, orig, h=h)
        p[...] = orig
        errors[name] = relative_error(analytic[name], numeric)
    if inputs:
        numeric_x = numerical_gradient(lambda v: objective(model, v, y, loss, l2), X, h=h)
        errors["input"] = relative_error(analytic_x, numeric_x)
    return errors


def delta_norms(model, X, y, loss=None) -> np.ndarray:
    """‖δ⁽ˡ⁾‖ for l = 1..L: the Frobenius norm of ∂J/∂z⁽ˡ⁾ over the batch, for every `Dense` layer.

    δ⁽ˡ⁾ is what (5.27)/(5.31) propagates backwards; the ratio of the first to the last entry
    shows vanishing (≪ 1) or exploding (≫ 1) gradients (section 5.4).  Computed from one
    forward/backward pass on (X, y); the model's parameters are not changed.
    """
    loss_and_grads(model, X, y, loss)
    return np.array(
        [
            float(np.linalg.norm(g))
            for layer, g in zip(model.layers, model.output_grads)
            if isinstance(layer, Dense)
        ]
    )
