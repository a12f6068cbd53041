"""Self-checking exercises: immediate right/wrong feedback without reading the solution.

Every chapter's exercises (folded solutions on the site) have numerical parts. For each of them
this module holds a small, fixed problem and computes the expected answer *itself*, by a route
other than the closed form the solution derives: finite differences, a simulation, a search or an
exhaustive enumeration, a least-squares identification, or building the layer and counting.
A reader works out the closed form and asks::

    from nndl import exercises
    p = exercises.problem("ch4.margin")      # the question and its data (NumPy arrays)
    print(p["question"])
    exercises.check("ch4.margin", my_answer) # prints ✓ or ✗ and returns True / False

`check` never prints the expected value; on a wrong answer it says whether the shape or the
value is off.  `keys()` lists the exercises, optionally for one chapter.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import conv, functions, nn, optim, perceptron, rnn
from .gradcheck import numerical_gradient, numerical_jacobian

__all__ = ["problem", "check", "expected", "keys", "EXERCISES"]


@dataclass(frozen=True)
class Exercise:
    """One checkable question: ``make()`` builds its data, ``solve(data)`` the expected answer."""

    chapter: int
    exercise: str  # the chapter exercise it belongs to, e.g. "4.3"
    question: str
    make: Callable[[], dict]
    solve: Callable[[dict], Any]
    rtol: float = 1e-6
    atol: float = 1e-8


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------------ chapter 1
def _threshold_functions(d):
    """How many Boolean functions of ``n_inputs`` inputs a single threshold unit computes.

    Every truth table goes to the perceptron (Algorithm 4.1) on the augmented corners of the cube:
    on a linearly separable table it stops after finitely many updates (Theorem 4.1); on any other
    table its weights return to an earlier epoch's, which `perceptron` detects.
    """
    corners = np.array(list(itertools.product((0.0, 1.0), repeat=d["n_inputs"])))
    X_hat = perceptron.augment(corners)
    separable = 0
    for table in itertools.product((-1, 1), repeat=len(corners)):
        run = perceptron.perceptron(X_hat, np.array(table), epochs=10_000, if_not_converged="return")
        if run.cycle is None and not run.converged:
            raise RuntimeError(f"the perceptron neither converged nor cycled on the table {table}")
        separable += bool(run.converged)
    return separable


def _largest_finite_exp(d):
    """The largest x of the given float type whose exp(x) is finite, by bisection on that type's grid."""
    real = np.dtype(d["dtype"]).type
    lo, hi = real(0.0), real(1.0)
    with np.errstate(over="ignore"):
        while np.isfinite(np.exp(hi)):  # bracket: exp(lo) finite, exp(hi) not
            lo, hi = hi, real(2 * hi)
        while True:
            mid = real(lo + (hi - lo) / 2)
            if mid <= lo or mid >= hi:  # lo and hi are neighbours on the grid
                return float(lo)
            if np.isfinite(np.exp(mid)):
                lo = mid
            else:
                hi = mid


# ------------------------------------------------------------------------------------ chapter 2
def _ch2_quadratic():
    r = _rng(21)
    return {"A": r.normal(size=(4, 4)), "x": r.normal(size=4)}


def _ch2_softmax_T():
    return {"x": _rng(23).normal(size=5), "T": 0.5}


# ------------------------------------------------------------------------------------ chapter 3
def _worst_factor_argmin(d):
    """Minimise max(|1 − λμ|, |1 − λL|) over 0 < λ < 2/L by a grid, then a finer grid."""
    mu, L = d["mu"], d["L"]
    lo, hi = 1e-12, 2.0 / L
    for _ in range(4):
        lam = np.linspace(lo, hi, 2001)
        worst = np.maximum(np.abs(1 - lam * mu), np.abs(1 - lam * L))
        i = int(np.argmin(worst))
        lo, hi = lam[max(i - 1, 0)], lam[min(i + 1, lam.size - 1)]
    lam = np.linspace(lo, hi, 2001)
    worst = np.maximum(np.abs(1 - lam * mu), np.abs(1 - lam * L))
    i = int(np.argmin(worst))
    return float(lam[i]), float(worst[i])


def _momentum_terminal(d):
    """Run momentum on a constant gradient until the step stops changing."""
    step = np.zeros_like(d["g"])
    for _ in range(5000):
        step = d["rho"] * step - d["lr"] * d["g"]
    return step


def _ch3_ridge():
    r = _rng(31)
    X = r.normal(size=(20, 2))
    X = np.column_stack([X, X[:, 0]])  # a duplicated feature: XᵀX singular
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * r.normal(size=20)
    return {"X": X, "y": y, "lam": 0.1}


def _ridge_by_augmented_least_squares(d):
    """(b, w) minimising (1/N)‖X̂ŵ − y‖² + λ‖w‖² as one ordinary least-squares problem."""
    X, y, lam = d["X"], d["y"], d["lam"]
    N, D = X.shape
    X_hat = np.column_stack([np.ones(N), X])
    penalty_rows = np.sqrt(N * lam) * np.eye(D + 1)[1:]  # √(Nλ)·w, the bias not penalised
    A = np.vstack([X_hat, penalty_rows])
    rhs = np.concatenate([y, np.zeros(D)])
    return np.linalg.lstsq(A, rhs, rcond=None)[0]


def _ch3_two_class():
    return {"W": _rng(33).normal(size=(3, 2))}  # columns: w_0, w_1 (no bias)


def _logistic_weights_from_softmax(d):
    """The w with σ(wᵀx) = P(y = 1 | x) of two-class softmax regression, identified from the
    log-odds log(P₁/P₀) of the softmax probabilities at random points (a linear least-squares fit)."""
    W = d["W"]
    X = _rng(330).normal(size=(8, W.shape[0]))
    P = functions.softmax(X @ W)
    log_odds = np.log(P[:, 1]) - np.log(P[:, 0])
    return np.linalg.lstsq(X, log_odds, rcond=None)[0]


# ------------------------------------------------------------------------------------ chapter 4
def _ch4_data():
    X = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -1.0], [-2.0, 0.5], [0.5, 2.0]])
    y = np.array([1, 1, -1, -1, 1])
    return {"X_hat": perceptron.augment(X), "y": y, "w": np.array([0.5, 1.0, 1.0])}


def _ch4_bound(d):
    return perceptron.radius(d["X_hat"]) ** 2 / perceptron.margin(d["X_hat"], d["y"], d["w"]) ** 2


def _ch4_scaled():
    d = _ch4_data()
    return {
        "X_hat": d["X_hat"],
        "y": d["y"],
        "a": 7.5,
        "w_final": perceptron.perceptron(d["X_hat"], d["y"]).w,
    }


def _scaled_run_weights(d):
    """Run Algorithm 4.1 on the scaled inputs a·X_hat (same sample order) and return w_K."""
    return perceptron.perceptron(d["a"] * d["X_hat"], d["y"]).w


def _xor_separable(_):
    X, y = perceptron.make_xor()
    run = perceptron.perceptron(perceptron.augment(X), y, epochs=100, if_not_converged="return")
    return bool(run.converged)


# ------------------------------------------------------------------------------------ chapter 5
def _ch5_logits():
    return {"Z": _rng(51).normal(size=(5, 4)), "labels": np.array([0, 3, 1, 1, 2])}


def _ch5_symmetric():
    r = _rng(52)
    return {
        "sizes": (4, 5, 3),
        "value": 0.1,
        "lr": 0.5,
        "steps": 20,
        "X": r.normal(size=(30, 4)),
        "labels": r.integers(0, 3, size=30),
    }


def _distinct_hidden_units(model, tol: float = 1e-10) -> int:
    """How many different units the first hidden layer has: a unit is its incoming weights, its
    bias and its outgoing weights; two units are the same when all of these agree within ``tol``."""
    units = np.column_stack([model[0].params["W"], model[0].params["b"], model[2].params["W"].T])
    representatives = []
    for u in units:
        if not any(np.allclose(u, v, rtol=0.0, atol=tol) for v in representatives):
            representatives.append(u)
    return len(representatives)


def _symmetric_hidden_units(d):
    """Train the network from equal weights with full-batch gradient descent, then count."""
    model = nn.mlp(d["sizes"], "tanh")
    for layer in model.layers:
        for value in layer.params.values():
            value[...] = d["value"]
    nn.fit(model, d["X"], d["labels"], optim.GD(d["lr"]), d["steps"], batch_size=None)
    return _distinct_hidden_units(model)


def _xor_one_hidden_unit_best(_):
    """The most XOR points any 2-1-2 network (one tanh hidden unit, two output scores) gets right,
    by a random search over 20,000 parameter sets."""
    X, y = perceptron.make_xor()
    labels = (y > 0).astype(int)
    r = _rng(54)
    S = 20_000
    w, b = r.normal(scale=3.0, size=(2, S)), r.normal(scale=3.0, size=S)
    v, c = r.normal(scale=3.0, size=(S, 2)), r.normal(scale=3.0, size=(S, 2))
    h = np.tanh(X @ w + b)  # (4, S): the hidden unit
    scores = h[:, :, None] * v + c  # (4, S, 2): the two outputs
    correct = (scores.argmax(axis=2) == labels[:, None]).sum(axis=0)
    return int(correct.max())


def _mean_softmax_ce_grad(d):
    Z, labels = d["Z"], d["labels"]
    J = lambda V: float(-np.mean(functions.log_softmax(V)[np.arange(len(labels)), labels]))
    return numerical_gradient(J, Z.copy())


# ------------------------------------------------------------------------------------ chapter 6
def _out_side(H, k, S, P):
    out = conv.correlate2d(np.zeros((1, 1, H, H)), np.zeros((1, 1, k, k)), stride=S, padding=P)
    return out.shape[-1]


def _same_padding(d):
    return next(P for P in range(d["k"]) if _out_side(d["H"], d["k"], 1, P) == d["H"])


def _ch6_filters():
    r = _rng(62)
    return {"f1": r.normal(size=(3, 3)), "f2": r.normal(size=(3, 3))}


def _stacked_kernel(d):
    """The 5×5 kernel f with (x ⊗ f1) ⊗ f2 = x ⊗ f (narrow, the draft's ⊗): the two-layer map is
    linear in x, so f is found by least squares from its outputs on two random images."""
    images = _rng(620).normal(size=(2, 12, 12))
    basis = np.eye(25).reshape(25, 5, 5)
    A = np.vstack([np.column_stack([conv.convolve2d(x, e).ravel() for e in basis]) for x in images])
    target = np.concatenate([conv.convolve2d(conv.convolve2d(x, d["f1"]), d["f2"]).ravel() for x in images])
    return np.linalg.lstsq(A, target, rcond=None)[0].reshape(5, 5)


def _pool_shift_changed(_):
    """P(a 2×2 max-pooling output changes when the image moves one pixel right), pixels i.i.d.
    continuous.  The output of a region R depends on R's four pixels and the two that enter from its
    left neighbour, and only through their order: every one of the 6! orders is equally likely, so
    all of them are pooled (as 2×4 strips, a zero column on the left) and the changes counted."""
    orders = np.array(list(itertools.permutations(range(1, 7))), dtype=float)
    strips = np.zeros((len(orders), 1, 2, 4))
    strips[:, 0, :, 1:] = orders.reshape(-1, 2, 3)  # columns 1..3; R is columns 2..3
    shifted = np.zeros_like(strips)
    shifted[..., 1:] = strips[..., :-1]
    before, after = conv.max_pool2d(strips), conv.max_pool2d(shifted)
    return float(np.mean(before[:, 0, 0, 1] != after[:, 0, 0, 1]))


def _s2_connections(_):
    pool = conv.Subsampling(6)
    side = conv.avg_pool2d(np.zeros((1, 6, 28, 28))).shape[-1]
    neurons = 6 * side * side
    return neurons * (2 * 2 + 1), pool.num_trainable


# ------------------------------------------------------------------------------------ chapter 7
def _ch7_step():
    r = _rng(71)
    return {
        "W": 0.5 * r.normal(size=(3, 4)),
        "U": 0.5 * r.normal(size=(4, 4)),
        "b": 0.1 * r.normal(size=4),
        "x_t": r.normal(size=3),
        "h_prev": r.normal(size=4),
    }


def _ch7_gru():
    r = _rng(73)
    D, H, T = 3, 4, 6
    return {
        "W_c": 0.5 * r.normal(size=(D, H)),
        "U_c": 0.5 * r.normal(size=(H, H)),
        "b_c": 0.1 * r.normal(size=H),
        "W_rz": 0.5 * r.normal(size=(D, 2 * H)),
        "U_rz": 0.5 * r.normal(size=(H, 2 * H)),
        "xs": r.normal(size=(T, D)),
        "gate_bias": 50.0,
    }


def _gru_forced_last_state(d):
    """Run `rnn.GRU` with the reset-gate bias +gate_bias and the update-gate bias −gate_bias."""
    D, H = d["W_c"].shape
    gru = rnn.GRU(D, H)
    gru.params["W"][...] = np.hstack([d["W_rz"], d["W_c"]])  # blocks [r, z, h̃]
    gru.params["U"][...] = np.hstack([d["U_rz"], d["U_c"]])
    gru.params["b"][...] = np.concatenate([np.full(H, d["gate_bias"]), np.full(H, -d["gate_bias"]), d["b_c"]])
    return gru.forward(d["xs"][None])[0, -1]


def _srn_step_jacobian(d):
    step = lambda h: np.tanh(h @ d["U"] + d["x_t"] @ d["W"] + d["b"])
    return numerical_jacobian(step, d["h_prev"].copy())


#: Every exercise of chapters 1–7 by key (``"ch6.output_size"``): its chapter, instance and answer.
EXERCISES: dict[str, Exercise] = {
    "ch1.threshold_functions": Exercise(
        1,
        "1.1",
        "How many of the 16 Boolean functions of two binary inputs can one threshold unit "
        "(output 1 when w1·x1 + w2·x2 + b > 0, else 0) compute?",
        lambda: {"n_inputs": 2},
        _threshold_functions,
    ),
    "ch1.mlp_parameters": Exercise(
        1,
        "1.2",
        "The number of weights and biases of a fully connected network with the given layer "
        "sizes (inputs first).",
        lambda: {"sizes": (784, 100, 10)},
        lambda d: nn.mlp(d["sizes"], rng=0).num_params,
    ),
    "ch1.exp_overflow_float32": Exercise(
        1,
        "1.3",
        "The largest logit x for which exp(x) is still finite in single precision (float32), "
        "to at least two decimals.",
        lambda: {"dtype": "float32"},
        _largest_finite_exp,
        rtol=5e-5,
    ),
    "ch2.quadratic_gradient": Exercise(
        2,
        "2.1",
        "Gradient of f(x) = xᵀAx at the given x (denominator layout, shape (4,)).",
        _ch2_quadratic,
        lambda d: numerical_gradient(lambda v: v @ d["A"] @ v, d["x"].copy()),
    ),
    "ch2.hadamard_jacobian": Exercise(
        2,
        "2.2",
        "Jacobian of f(x) = x ⊙ x at the given x (shape (6, 6)).",
        lambda: {"x": _rng(22).normal(size=6)},
        lambda d: numerical_jacobian(lambda v: v * v, d["x"].copy()),
    ),
    "ch2.softmax_temperature_jacobian": Exercise(
        2,
        "2.3",
        "Jacobian of softmax(x / T) at the given x and T, denominator layout (5, 5).",
        _ch2_softmax_T,
        lambda d: numerical_jacobian(lambda v: functions.softmax(v / d["T"]), d["x"].copy()),
    ),
    "ch2.log_softmax_jacobian": Exercise(
        2,
        "2.4",
        "Jacobian of log softmax(x) at the given x in the book's denominator layout (4, 4).",
        lambda: {"x": _rng(24).normal(size=4)},
        lambda d: numerical_jacobian(functions.log_softmax, d["x"].copy()),
    ),
    "ch3.ridge_solution": Exercise(
        3,
        "3.1",
        "The ridge minimiser ŵ = b ⊕ w of (1/N)‖X̂ŵ − y‖² + λ‖w‖² (bias not penalised), shape (4,).",
        _ch3_ridge,
        _ridge_by_augmented_least_squares,
    ),
    "ch3.best_learning_rate": Exercise(
        3,
        "3.2",
        "The fixed learning rate λ* minimising max(|1 − λμ|, |1 − λL|) for the given μ, L.",
        lambda: {"mu": 0.4, "L": 10.0},
        lambda d: _worst_factor_argmin(d)[0],
        rtol=1e-5,
    ),
    "ch3.best_rate_factor": Exercise(
        3,
        "3.2",
        "The worst per-step error factor at λ*, for the given μ, L.",
        lambda: {"mu": 0.4, "L": 10.0},
        lambda d: _worst_factor_argmin(d)[1],
        rtol=1e-5,
    ),
    "ch3.two_class_logistic_weights": Exercise(
        3,
        "3.3",
        "The weight vector w of logistic regression with σ(wᵀx) = P(y = 1 | x) of two-class "
        "softmax regression whose weight vectors w_0, w_1 are the columns of W (shape (3,)).",
        _ch3_two_class,
        _logistic_weights_from_softmax,
    ),
    "ch3.momentum_terminal_step": Exercise(
        3,
        "3.4",
        "The limit of the momentum step Δθ_t for a constant gradient g (shape (2,)).",
        lambda: {"g": np.array([0.5, -1.0]), "lr": 0.1, "rho": 0.9},
        _momentum_terminal,
    ),
    "ch4.scaled_weights": Exercise(
        4,
        "4.1",
        "The final weights of Algorithm 4.1 (samples in the given order) on the inputs a·X_hat, "
        "given w_final, the final weights of the run on X_hat (shape (3,)).",
        _ch4_scaled,
        _scaled_run_weights,
    ),
    "ch4.xor_separable": Exercise(
        4,
        "4.2",
        "Are the four XOR points linearly separable (True or False)?",
        lambda: {"X": perceptron.make_xor()[0], "y": perceptron.make_xor()[1]},
        _xor_separable,
    ),
    "ch4.margin": Exercise(
        4,
        "4.3",
        "The margin γ (Definition 4.1) of the augmented data X_hat, labels y, for the direction w.",
        _ch4_data,
        lambda d: perceptron.margin(d["X_hat"], d["y"], d["w"]),
    ),
    "ch4.mistake_bound": Exercise(
        4,
        "4.3",
        "The bound R²/γ² of Theorem 4.1 for X_hat, y and the separating direction w.",
        _ch4_data,
        _ch4_bound,
    ),
    "ch5.tanh_max_derivative": Exercise(
        5,
        "5.1",
        "The largest value of tanh′(x) over all real x.",
        lambda: {},
        lambda d: float(np.max(functions.tanh_derivative(np.linspace(-5, 5, 100001)))),
    ),
    "ch5.symmetric_hidden_units": Exercise(
        5,
        "5.2",
        "A tanh network with the given layer sizes starts with every weight and bias equal to "
        "`value` and takes `steps` full-batch gradient-descent steps (rate `lr`) on X, labels. How many "
        "different hidden units (incoming weights, bias and outgoing weights) does it have afterwards?",
        _ch5_symmetric,
        _symmetric_hidden_units,
    ),
    "ch5.output_delta": Exercise(
        5,
        "5.3",
        "∂J/∂Z for the mean softmax cross-entropy of the logits Z (rows) and labels (shape (5, 4)).",
        _ch5_logits,
        _mean_softmax_ce_grad,
    ),
    "ch5.xor_one_hidden_unit": Exercise(
        5,
        "5.4",
        "The largest number of the four XOR points that a 2-1-2 network (one tanh hidden unit, "
        "two output scores) classifies correctly, over all weights.",
        lambda: {},
        _xor_one_hidden_unit_best,
    ),
    "ch6.output_size": Exercise(
        6,
        "6.1",
        "The output side of an H × H map after a k × k filter with stride S and padding P.",
        lambda: {"H": 28, "k": 3, "S": 2, "P": 1},
        lambda d: _out_side(d["H"], d["k"], d["S"], d["P"]),
    ),
    "ch6.same_padding": Exercise(
        6,
        "6.1",
        "The zero padding P that keeps an H × H map H × H under a k × k filter with stride 1.",
        lambda: {"H": 32, "k": 5},
        _same_padding,
    ),
    "ch6.stacked_kernel": Exercise(
        6,
        "6.2",
        "The 5 × 5 kernel f with (x ⊗ f1) ⊗ f2 = x ⊗ f for narrow true convolutions ⊗ (6.2).",
        _ch6_filters,
        _stacked_kernel,
    ),
    "ch6.c3_params_without_table": Exercise(
        6,
        "6.3",
        "The trainable parameters of LeNet-5's C3 if every C3 map read all six S2 maps.",
        lambda: {},
        lambda d: conv.Conv2D(6, 16, 5).num_trainable,
    ),
    "ch6.lenet_s2": Exercise(
        6,
        "6.3",
        "LeNet-5's S2 (6 maps, 2 × 2 subsampling of 28 × 28): (connections, trainable parameters).",
        lambda: {},
        _s2_connections,
    ),
    "ch6.pool_shift_changed": Exercise(
        6,
        "6.4",
        "For an image of independent, continuously distributed pixels: the probability that a "
        "2 × 2 max-pooling output (not at the left edge) changes when the image moves one pixel right.",
        lambda: {},
        _pool_shift_changed,
    ),
    "ch7.one_step_jacobian": Exercise(
        7,
        "7.1",
        "∂h_t/∂h_{t−1} of one tanh SRN step h_t = tanh(h_prev @ U + x_t @ W + b) (code layout), "
        "in denominator layout, shape (4, 4).",
        _ch7_step,
        _srn_step_jacobian,
    ),
    "ch7.param_counts": Exercise(
        7,
        "7.2",
        "The parameters of SRN(D, H), LSTM(D, H) with peepholes and GRU(D, H) for D = 64, H = 128, "
        "biases included: (srn, lstm, gru).",
        lambda: {"D": 64, "H": 128},
        lambda d: tuple(cls(d["D"], d["H"]).num_params for cls in (rnn.SRN, rnn.LSTM, rnn.GRU)),
    ),
    "ch7.gru_as_srn": Exercise(
        7,
        "7.3",
        "The last hidden state h_T (h_0 = 0, code layout) of a GRU on the sequence xs whose reset-gate "
        "bias is +gate_bias and update-gate bias −gate_bias; its candidate block has the weights W_c, U_c, "
        "b_c and its gates W_rz, U_rz (shape (4,)).",
        _ch7_gru,
        _gru_forced_last_state,
    ),
}


def keys(chapter: int | None = None) -> list[str]:
    """The exercise keys, all or those of one chapter, in chapter order."""
    return [k for k, e in EXERCISES.items() if chapter is None or e.chapter == chapter]


def _get(key: str) -> Exercise:
    if key not in EXERCISES:
        raise KeyError(f"unknown exercise {key!r}; known: {', '.join(EXERCISES)}")
    return EXERCISES[key]


def problem(key: str) -> dict:
    """The question and the data of exercise ``key`` (fresh copies, safe to modify)."""
    ex = _get(key)
    data = ex.make()
    data["question"] = ex.question
    data["exercise"] = ex.exercise
    return data


def expected(key: str):
    """The expected answer, computed now (by finite differences, simulation, search or counting)."""
    ex = _get(key)
    value = ex.solve(ex.make())
    return value


def _compare(answer, value, ex: Exercise) -> tuple[bool, str]:
    if isinstance(value, bool):
        ok = isinstance(answer, (bool, np.bool_)) and bool(answer) == value
        return ok, "" if ok else "expected True or False; this is not it"
    try:
        got = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return False, f"the answer must be a number or an array of numbers, got {type(answer).__name__}"
    want = np.asarray(value, dtype=np.float64)
    if got.shape != want.shape:
        return False, f"the answer should have shape {want.shape}, got {got.shape}"
    if not np.all(np.isfinite(got)):
        return False, "the answer contains NaN or infinity"
    if np.allclose(got, want, rtol=ex.rtol, atol=ex.atol):
        return True, ""
    if (
        want.ndim == 2
        and want.shape[0] == want.shape[1]
        and np.allclose(got.T, want, rtol=ex.rtol, atol=ex.atol)
    ):
        return False, "that is the transpose: check the layout (the book uses the denominator layout)"
    return False, "the shape is right but the values are not"


def check(key: str, answer, quiet: bool = False) -> bool:
    """Compare ``answer`` with exercise ``key``'s expected value; print ✓ or ✗ (unless ``quiet``).

    Returns True when right.  The expected value is never printed.
    """
    ex = _get(key)
    ok, why = _compare(answer, ex.solve(ex.make()), ex)
    if not quiet:
        print(f"✓ {key}: right." if ok else f"✗ {key}: not yet. {why}".rstrip())
    return ok
