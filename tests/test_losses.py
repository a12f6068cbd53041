"""Tests for nndl.losses (draft 3.1.1): values against scalar formulas, gradients against finite
differences, reductions, numerical stability for logits up to ±1e4, and input errors."""

import math
import re
import warnings

import numpy as np
import pytest

from nndl import functions as F
from nndl import losses as L
from nndl.gradcheck import numerical_gradient, relative_error

SEEDS = [0, 1, 2]


def _stable(fn, *args, **kwargs):
    """Call fn with every warning an error and overflow / division / invalid raising."""
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# ---------------------------------------------------------------- random problems, one per loss
def _labels(rng, n, c):
    return rng.integers(0, c, size=n)


def _probs(rng, n, c):
    p = rng.uniform(0.05, 1.0, size=(n, c))
    return p / p.sum(axis=1, keepdims=True)


def _signs(rng, n):
    return rng.choice([-1, 1], size=n)


def _hinge_scores(rng, y):
    """Scores with y f at least 0.05 away from the kink y f = 1, on both sides."""
    margin = rng.choice([-1, 1], size=y.shape) * rng.uniform(0.05, 1.5, size=y.shape)
    return y * (1.0 + margin)


def problem(name, rng, n=7, c=4):
    """(loss, grad, y, prediction) with random data of the shapes the loss expects."""
    if name == "squared":
        return L.squared, L.squared_grad, rng.normal(size=n), rng.normal(size=n)
    if name == "squared_multi":
        return L.squared, L.squared_grad, rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    if name == "cross_entropy":
        return L.cross_entropy, L.cross_entropy_grad, _labels(rng, n, c), _probs(rng, n, c)
    if name == "cross_entropy_onehot":
        return (L.cross_entropy, L.cross_entropy_grad, L.one_hot(_labels(rng, n, c), c), _probs(rng, n, c))
    if name == "softmax_cross_entropy":
        return (
            L.softmax_cross_entropy,
            L.softmax_cross_entropy_grad,
            _labels(rng, n, c),
            rng.normal(scale=3.0, size=(n, c)),
        )
    if name == "logistic_cross_entropy":
        return (
            L.logistic_cross_entropy,
            L.logistic_cross_entropy_grad,
            rng.integers(0, 2, n),
            rng.normal(scale=3.0, size=n),
        )
    if name == "hinge":
        y = _signs(rng, n)
        return L.hinge, L.hinge_grad, y, _hinge_scores(rng, y)
    if name == "zero_one":
        return L.zero_one, None, _labels(rng, n, c), _labels(rng, n, c)
    raise KeyError(name)


DIFFERENTIABLE = [
    "squared",
    "squared_multi",
    "cross_entropy",
    "cross_entropy_onehot",
    "softmax_cross_entropy",
    "logistic_cross_entropy",
    "hinge",
]
ALL = DIFFERENTIABLE + ["zero_one"]


# ------------------------------------------------------------------------- closed forms
def _sigma(v):
    return 1.0 / (1.0 + math.exp(-v))


@pytest.mark.parametrize("seed", SEEDS)
def test_values_match_scalar_formulas(seed):
    """Each per-sample loss equals its formula, evaluated one sample at a time with `math`."""
    rng = np.random.default_rng(seed)
    n, c = 9, 4
    y, yp = _labels(rng, n, c), _labels(rng, n, c)
    np.testing.assert_array_equal(
        L.zero_one(yp, y, "none"),  # (3.8)
        [1.0 if a != b else 0.0 for a, b in zip(y, yp)],
    )
    t, f = rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    np.testing.assert_allclose(
        L.squared(f, t, "none"),  # (3.9)
        [sum((a - b) ** 2 for a, b in zip(r, s)) for r, s in zip(t, f)],
        rtol=1e-13,
    )
    p = _probs(rng, n, c)
    np.testing.assert_allclose(
        L.cross_entropy(p, y, "none"),  # (3.11)
        [-math.log(p[i, y[i]]) for i in range(n)],
        rtol=1e-13,
    )
    z = rng.normal(scale=3.0, size=(n, c))
    np.testing.assert_allclose(
        L.softmax_cross_entropy(z, y, "none"),
        [-math.log(math.exp(z[i, y[i]]) / sum(math.exp(v) for v in z[i])) for i in range(n)],
        rtol=1e-12,
    )
    b, s = rng.integers(0, 2, n), rng.normal(scale=3.0, size=n)
    np.testing.assert_allclose(
        L.logistic_cross_entropy(s, b, "none"),  # (3.45)
        [-(yi * math.log(_sigma(v)) + (1 - yi) * math.log(1 - _sigma(v))) for yi, v in zip(b, s)],
        rtol=1e-12,
    )
    sg = _signs(rng, n)
    np.testing.assert_allclose(
        L.hinge(s, sg, "none"),  # (3.13)
        [max(0.0, 1.0 - yi * v) for yi, v in zip(sg, s)],
        rtol=1e-15,
    )


def test_one_hot_matches_identity_rows():
    y = np.array([2, 0, 1, 2])
    np.testing.assert_array_equal(L.one_hot(y), np.eye(3)[y])
    np.testing.assert_array_equal(L.one_hot(y, num_classes=5), np.eye(5)[y])
    assert L.one_hot(y).dtype == np.float64


@pytest.mark.parametrize("seed", SEEDS)
def test_label_and_one_hot_targets_agree(seed):
    """(3.11) with an integer label equals (3.12) with the one-hot vector, value and gradient."""
    rng = np.random.default_rng(seed)
    y, p, z = _labels(rng, 6, 3), _probs(rng, 6, 3), rng.normal(size=(6, 3))
    Y = np.eye(3)[y]
    np.testing.assert_allclose(L.cross_entropy(p, Y, "none"), L.cross_entropy(p, y, "none"), rtol=1e-14)
    np.testing.assert_allclose(L.cross_entropy_grad(p, Y), L.cross_entropy_grad(p, y), rtol=1e-14)
    np.testing.assert_allclose(
        L.softmax_cross_entropy(z, Y, "none"), L.softmax_cross_entropy(z, y, "none"), rtol=1e-14
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_equals_cross_entropy_of_softmax(seed):
    """From logits via log-softmax = (3.11) applied to softmax(z) (3.58), for moderate logits."""
    rng = np.random.default_rng(seed)
    y, z = _labels(rng, 8, 5), rng.normal(scale=4.0, size=(8, 5))
    for reduction in L.REDUCTIONS:
        np.testing.assert_allclose(
            L.softmax_cross_entropy(z, y, reduction), L.cross_entropy(F.softmax(z), y, reduction), rtol=1e-12
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_cross_entropy_is_two_class_softmax_cross_entropy(seed):
    """σ(z) = softmax([0, z])₁, so the binary loss is the softmax loss with logits [0, z]."""
    rng = np.random.default_rng(seed)
    y, z = rng.integers(0, 2, 10), rng.normal(scale=5.0, size=10)
    pair = np.stack([np.zeros_like(z), z], axis=1)
    np.testing.assert_allclose(
        L.logistic_cross_entropy(z, y, "none"),
        L.softmax_cross_entropy(pair, y, "none"),
        rtol=1e-12,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        L.logistic_cross_entropy_grad(z, y),
        L.softmax_cross_entropy_grad(pair, y)[:, 1],
        rtol=1e-12,
        atol=1e-17,
    )


def test_zero_one_mean_is_error_rate_and_draft_case_table_is_swapped():
    """(3.8): a correct prediction costs 0 (the printed (3.7) would give 1, erratum 6)."""
    assert L.zero_one([3], [3]) == 0.0
    assert L.zero_one([1], [3]) == 1.0
    assert L.zero_one([0, 2, 2, 1], [0, 1, 2, 2]) == 2 / 4


def test_hinge_with_plus_minus_one_outputs_is_twice_zero_one():
    """With f ∈ {−1, +1} (as the draft states), max(0, 1 − y f) ∈ {0, 2} = 2 I(y ≠ f)."""
    y, f = np.array([1, -1, 1, -1]), np.array([1, 1, -1, -1])
    np.testing.assert_array_equal(L.hinge(f, y, "none"), 2 * L.zero_one(f, y, "none"))


# ---------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("seed", SEEDS)
def test_reductions_are_consistent(name, seed):
    """'none' is (N,), 'mean' is its average (the empirical risk (3.3)) and 'sum' = N × mean."""
    rng = np.random.default_rng(seed)
    loss, _, y, pred = problem(name, rng)
    per = loss(pred, y, "none")
    assert per.shape == (pred.shape[0],)
    mean, total = loss(pred, y, "mean"), loss(pred, y, "sum")
    assert np.ndim(mean) == 0 and np.ndim(total) == 0
    np.testing.assert_allclose(mean, math.fsum(per) / len(per), rtol=1e-13)
    np.testing.assert_allclose(total, len(per) * mean, rtol=1e-13)
    np.testing.assert_allclose(loss(pred, y), mean, rtol=0)  # "mean" is the default


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("name", DIFFERENTIABLE)
@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_matches_central_difference(name, seed):
    """`*_grad` is the gradient of the mean loss (3.3) w.r.t. the prediction: checked numerically."""
    rng = np.random.default_rng(seed)
    loss, grad, y, pred = problem(name, rng)
    analytic = grad(pred, y)
    assert analytic.shape == pred.shape
    numeric = numerical_gradient(lambda q: loss(q, y, "mean"), pred)
    assert relative_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_gradient_formula(seed):
    """(softmax(z) − one-hot(y)) / N, written out independently."""
    rng = np.random.default_rng(seed)
    y, z = _labels(rng, 5, 3), rng.normal(size=(5, 3))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    expected = (e / e.sum(axis=1, keepdims=True) - np.eye(3)[y]) / 5
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, y), expected, rtol=1e-12, atol=1e-16)


def test_hinge_subgradient_convention_at_the_kink():
    """At y f = 1 the hinge has a kink; hinge_grad uses the subgradient 0 there (documented)."""
    y = np.array([1, -1, 1, -1])
    f = np.array([1.0, -1.0, 0.5, 2.0])  # y f = 1, 1 (kinks), 0.5 (active), -2 (active)
    np.testing.assert_array_equal(L.hinge_grad(f, y), [0.0, 0.0, -1 / 4, 1 / 4])
    np.testing.assert_array_equal(L.hinge(f, y, "none"), [0.0, 0.0, 0.5, 3.0])


# ----------------------------------------------------------------------------- stability
BIG = 1e4


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[BIG, -BIG, 0.0], [-BIG, BIG, 0.0], [BIG, BIG, -BIG]])
    y = np.array([0, 0, 2])
    per = _stable(L.softmax_cross_entropy, z, y, "none")
    # log-sum-exp is the largest logit (+ log 2 for the tie), so −log p_y = max − z_y (+ log 2).
    np.testing.assert_allclose(per, [0.0, 2 * BIG, 2 * BIG + math.log(2)], rtol=1e-15)
    g = _stable(L.softmax_cross_entropy_grad, z, y)
    np.testing.assert_allclose(g, np.array([[0, 0, 0], [-1, 1, 0], [0.5, 0.5, -1]]) / 3, atol=1e-15)
    for reduction in L.REDUCTIONS:
        assert np.all(np.isfinite(_stable(L.softmax_cross_entropy, z, y, reduction)))


def test_logistic_cross_entropy_is_stable_and_accurate():
    z = np.array([BIG, -BIG, BIG, -BIG, 40.0, -40.0])
    y = np.array([1, 0, 0, 1, 1, 0])
    per = _stable(L.logistic_cross_entropy, z, y, "none")
    tiny = math.log1p(math.exp(-40.0))  # the exact loss of a confident correct answer
    np.testing.assert_allclose(per, [0.0, 0.0, BIG, BIG, tiny, tiny], rtol=1e-14)
    g = _stable(L.logistic_cross_entropy_grad, z, y)
    np.testing.assert_allclose(
        g, np.array([0, 0, 1, -1, -_sigma(-40.0), _sigma(-40.0)]) / 6, rtol=1e-12, atol=1e-300
    )


def test_cross_entropy_with_zero_probability_is_finite_and_silent():
    p = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    y = np.array([0, 1, 0])
    per = _stable(L.cross_entropy, p, y, "none")
    clip = -math.log(np.finfo(np.float64).tiny)
    np.testing.assert_allclose(per, [clip, math.log(2), 0.0], rtol=1e-15)
    g = _stable(L.cross_entropy_grad, p, y)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[1:], [[0, -2 / 3], [-1 / 3, 0]], rtol=1e-15)
    assert np.all(np.isfinite(_stable(L.cross_entropy, p, np.eye(2)[y], "none")))


def test_hinge_is_stable_for_huge_scores():
    per = _stable(L.hinge, [BIG, -BIG, -BIG, BIG], [1, -1, 1, -1], "none")
    np.testing.assert_array_equal(per, [0.0, 0.0, 1 + BIG, 1 + BIG])


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "logistic_cross_entropy", "hinge", "squared"])
def test_float32_stays_float32(name):
    rng = np.random.default_rng(0)
    loss, grad, y, pred = problem(name, rng)
    pred32 = (pred * (BIG / np.abs(pred).max())).astype(np.float32)  # up to ±1e4
    per = _stable(loss, pred32, y, "none")
    assert per.dtype == np.float32 and np.all(np.isfinite(per))
    assert _stable(grad, pred32, y).dtype == np.float32
    expected = loss(pred32.astype(np.float64), y, "none")
    np.testing.assert_allclose(per, expected, rtol=1e-6, atol=1e-3)


# --------------------------------------------------------------------------------- errors
def test_length_mismatch_names_both_shapes():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=re.escape("(5,)") + ".*" + re.escape("(4, 3)")):
        L.cross_entropy(_probs(rng, 4, 3), np.zeros(5, int))
    with pytest.raises(ValueError, match=re.escape("(5,)") + ".*" + re.escape("(4, 3)")):
        L.softmax_cross_entropy_grad(np.zeros((4, 3)), np.zeros(5, int))
    with pytest.raises(ValueError, match=re.escape("(5,)") + ".*" + re.escape("(4,)")):
        L.logistic_cross_entropy(np.zeros(4), np.zeros(5, int))
    with pytest.raises(ValueError, match=re.escape("(5,)") + ".*" + re.escape("(4,)")):
        L.hinge(np.zeros(4), np.ones(5))
    with pytest.raises(ValueError, match=re.escape("(4, 2)") + ".*" + re.escape("(4, 3)")):
        L.cross_entropy(_probs(rng, 4, 3), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=re.escape("(4, 1)") + ".*" + re.escape("(4,)")):
        L.squared(np.zeros(4), np.zeros((4, 1)))
    with pytest.raises(ValueError, match=re.escape("(3,)") + ".*" + re.escape("(2,)")):
        L.zero_one([0, 1], [0, 1, 2])


@pytest.mark.parametrize(
    "fn", [L.cross_entropy, L.cross_entropy_grad, L.softmax_cross_entropy, L.softmax_cross_entropy_grad]
)
def test_labels_out_of_range_for_c_classes(fn):
    pred = np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"label 3.*C = 3.*0\.\.2"):
        fn(pred, [0, 3, 1])
    with pytest.raises(ValueError, match="negative label -1"):
        fn(pred, [0, -1, 1])
    with pytest.raises(ValueError, match="non-integer value 0.5"):
        fn(pred, [0, 0.5, 1])


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"label 3.*C = 3"):
        L.one_hot([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="num_classes must be >= 1, got 0"):
        L.one_hot([0, 1], num_classes=0)
    with pytest.raises(TypeError, match="num_classes must be an integer, got 2.0"):
        L.one_hot([0, 1], num_classes=2.0)
    with pytest.raises(ValueError, match=re.escape("(N,)")):
        L.one_hot([[0, 1]])


@pytest.mark.parametrize("fn", [L.logistic_cross_entropy, L.logistic_cross_entropy_grad])
@pytest.mark.parametrize("bad", [-1, 2, 0.5])
def test_logistic_labels_must_be_zero_or_one(fn, bad):
    with pytest.raises(ValueError, match=re.escape("{0, 1}") + ".*" + re.escape(repr(bad))):
        fn(np.zeros(3), [1, bad, 0])


@pytest.mark.parametrize("fn", [L.hinge, L.hinge_grad])
@pytest.mark.parametrize("bad", [0, 2, -0.5])
def test_hinge_labels_must_be_plus_or_minus_one(fn, bad):
    with pytest.raises(ValueError, match=re.escape("{-1, 1}") + ".*" + re.escape(repr(bad))):
        fn(np.zeros(3), [1, bad, -1])


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("reduction", ["avg", "Mean", None, 1])
def test_bad_reduction_lists_the_allowed_values(name, reduction):
    loss, _, y, pred = problem(name, np.random.default_rng(0))
    with pytest.raises(ValueError, match=re.escape("('mean', 'sum', 'none')")):
        loss(pred, y, reduction)


@pytest.mark.parametrize("name", ALL)
def test_non_numeric_input_raises_type_error(name):
    loss, grad, y, pred = problem(name, np.random.default_rng(0))
    with pytest.raises(TypeError, match="dtype <U"):
        loss(pred.astype(str), y)
    with pytest.raises(TypeError, match="dtype <U"):
        loss(pred, y.astype(str))
    if grad is not None:
        with pytest.raises(TypeError, match="dtype <U"):
            grad(pred.astype(str), y)


def test_probabilities_and_targets_are_checked():
    with pytest.raises(ValueError, match=re.escape("[0, 1]")):
        L.cross_entropy([[1.5, -0.5]], [0])
    with pytest.raises(ValueError, match="sum to 1"):
        L.cross_entropy([[0.5, 0.5]], np.array([[1.0, 1.0]]))
    with pytest.raises(ValueError, match=re.escape("(N, C)")):
        L.softmax_cross_entropy([0.3, 0.2], [0, 1])
    with pytest.raises(ValueError, match="at least one sample"):
        L.squared(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match=r"^logits must be finite; found nan at row 0"):
        L.softmax_cross_entropy([[np.nan, 0.0]], [0])
