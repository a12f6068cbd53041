"""Tests for nndl.linear: linear/ridge, logistic and softmax regression and the training loop
(draft 3.2–3.3)."""

import time
import warnings

import numpy as np
import pytest

from nndl import data, linear, losses, optim
from nndl.functions import softmax
from nndl.gradcheck import numerical_gradient, relative_error
from nndl.linear import LinearRegression, LogisticRegression, SoftmaxRegression
from nndl.training import fit

C = 4  # classes for the softmax tests


def _problem(kind, n=9, d=3, seed=0):
    """A small random problem and a model of ``kind`` with random (non-zero) parameters."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if kind == "linear":
        y = rng.standard_normal(n)
    elif kind == "logistic":
        y = rng.integers(0, 2, n)
    else:
        y = rng.integers(0, C, n)
    return X, y, rng


def _model(kind, l2=0.0, d=3, rng=None):
    model = {
        "linear": lambda: LinearRegression(l2),
        "logistic": lambda: LogisticRegression(l2),
        "softmax": lambda: SoftmaxRegression(C, l2),
    }[kind]()
    model.init(d)
    if rng is not None:
        for p in model.params.values():
            p[...] = rng.standard_normal(p.shape)
    return model


def _stable(fn, *args):
    """Run fn with every warning an error and overflow / division / invalid raising."""
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        return fn(*args)


def _accuracy(y, y_pred):
    return float(np.mean(np.asarray(y) == np.asarray(y_pred)))


KINDS = ["linear", "logistic", "softmax"]


# ------------------------------------------------------------------------ augmented features
def test_add_bias_feature():
    X = np.arange(6.0).reshape(3, 2)
    Xh = linear.add_bias_feature(X)
    np.testing.assert_array_equal(Xh, [[1, 0, 1], [1, 2, 3], [1, 4, 5]])
    w, b = np.array([0.5, -1.0]), 2.0
    np.testing.assert_allclose(Xh @ np.r_[b, w], X @ w + b)  # ŵ = b ⊕ w (erratum 11)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        linear.add_bias_feature(np.ones(3))


# ---------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind, l2):
    """(3.38) corrected, (3.53) and (3.68), divided by N, plus 2·l2·w: relative error < 1e-7."""
    X, y, rng = _problem(kind)
    model = _model(kind, l2, rng=rng)
    model.loss(X, y)
    for name in ("w", "b"):
        analytic = model.grads[name].copy()
        p = model.params[name]
        original = p.copy()

        def objective(v, p=p):
            p[...] = v
            return model.loss(X, y)

        numeric = numerical_gradient(objective, original)
        p[...] = original
        assert relative_error(analytic, numeric) < 1e-7, (kind, name)


def test_bias_is_not_penalised():
    X, y, rng = _problem("linear")
    plain, ridge = _model("linear", 0.0, rng=rng), _model("linear", 5.0)
    for k in ridge.params:
        ridge.params[k][...] = plain.params[k]
    w = plain.params["w"]
    assert ridge.loss(X, y) == pytest.approx(plain.loss(X, y) + 5.0 / 2 * w @ w)  # (λ/2)‖w‖²
    np.testing.assert_allclose(ridge.grads["b"], plain.grads["b"])
    np.testing.assert_allclose(ridge.grads["w"], plain.grads["w"] + 5.0 * w)  # λw


def test_draft_3_38_is_half_the_gradient():
    """Erratum 12: ∂‖X̂ŵ − y‖²/∂ŵ = 2X̂ᵀ(X̂ŵ − y); the printed X(Xᵀw − y) lacks the 2."""
    X, y, rng = _problem("linear")
    Xh, w_hat = linear.add_bias_feature(X), rng.standard_normal(4)
    numeric = numerical_gradient(lambda v: np.sum((Xh @ v - y) ** 2), w_hat)
    printed = Xh.T @ (Xh @ w_hat - y)
    np.testing.assert_allclose(numeric / printed, 2.0, rtol=1e-6)
    model = _model("linear")
    model.params["b"][...], model.params["w"][...] = w_hat[0], w_hat[1:]
    model.loss(X, y)  # mean form: (2/N) X̂ᵀ(X̂ŵ − y)
    np.testing.assert_allclose(np.r_[model.grads["b"], model.grads["w"]], 2 * printed / len(y))


def _loop_gradients(kind, model, X, y):
    """Reference gradients of the mean loss written as loops over samples, mirroring the draft."""
    w, b = model.params["w"], model.params["b"]
    gw, gb = np.zeros_like(w), np.zeros_like(b)
    N = len(y)
    for x_i, y_i in zip(X, y):
        if kind == "linear":  # 2 x (wᵀx + b − y), from (3.38) corrected
            r = 2 * (x_i @ w + b - y_i)
            gw += r * x_i
            gb += r
        elif kind == "logistic":  # x (σ(wᵀx) − y), (3.53)
            r = 1 / (1 + np.exp(-(x_i @ w + b))) - y_i
            gw += r * x_i
            gb += r
        else:  # −x (y − ŷ)ᵀ, (3.66)/(3.68)
            z = x_i @ w + b
            y_hat = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
            onehot = np.eye(C)[y_i]
            gw += -np.outer(x_i, onehot - y_hat)
            gb += -(onehot - y_hat)
    return gw / N, gb / N


@pytest.mark.parametrize("kind", KINDS)
def test_vectorised_gradients_equal_the_per_sample_loops(kind):
    X, y, rng = _problem(kind, n=13)
    model = _model(kind, rng=rng)
    model.loss(X, y)
    gw, gb = _loop_gradients(kind, model, X, y)
    np.testing.assert_allclose(model.grads["w"], gw, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.grads["b"], gb, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_objective_is_the_mean_of_the_per_sample_objectives(kind):
    X, y, rng = _problem(kind, n=6)
    model = _model(kind, l2=0.2, rng=rng)
    full = model.loss(X, y)
    grads = {k: v.copy() for k, v in model.grads.items()}
    singles = [model.loss(X[i : i + 1], y[i : i + 1]) for i in range(len(y))]
    assert full == pytest.approx(np.mean(singles), rel=1e-12)
    assert model.data_loss(X, y) == pytest.approx(full - model.penalty(), rel=1e-12)
    model.loss(X, y)
    for k in grads:
        np.testing.assert_array_equal(model.grads[k], grads[k])  # loss() fills grads afresh


# ----------------------------------------------------------------- closed forms (3.39)-(3.40)
def _regression(n=60, d=4, seed=0):
    X, y, _, _ = data.make_linear_regression(n, d, noise=0.3, rng=seed)
    return X, y


def test_normal_equations_equal_lstsq():
    X, y = _regression()
    model = LinearRegression().fit_normal_equations(X, y)
    ref, *_ = np.linalg.lstsq(linear.add_bias_feature(X), y, rcond=None)
    np.testing.assert_allclose(model.params["b"], ref[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.params["w"], ref[1:], rtol=1e-10, atol=1e-12)
    model.loss(X, y)  # the gradient vanishes there
    assert np.max(np.abs(model.grads["w"])) < 1e-12


@pytest.mark.parametrize("l2", [0.0, 0.5])
def test_closed_form_equals_gradient_descent_to_convergence(l2):
    """GD with the corrected sign (erratum 14) from w₀ = 0 reaches the closed form to 1e-10."""
    X, y = _regression()
    exact = LinearRegression(l2).fit_normal_equations(X, y)
    gd = LinearRegression(l2)
    history = fit(gd, X, y, optim.GD(0.2), epochs=400, batch_size=None)
    assert np.all(np.diff(history["train_loss"]) <= 1e-15)  # monotone descent
    np.testing.assert_allclose(gd.params["w"], exact.params["w"], atol=1e-10)
    np.testing.assert_allclose(gd.params["b"], exact.params["b"], atol=1e-10)
    assert history["train_loss"][-1] == pytest.approx(exact.loss(X, y), rel=1e-12)


def test_ridge_equals_scikit_learn():
    """Our J = (1/N)‖y − Xw − b‖² + (l2/2)‖w‖² is sklearn's ‖y − Xw − b‖² + α‖w‖² over N: α = N·l2/2."""
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    X, y = _regression()
    for l2 in (0.01, 0.5, 3.0):
        ours = LinearRegression(l2).fit_normal_equations(X, y)
        ref = sklearn_linear.Ridge(alpha=len(y) * l2 / 2, fit_intercept=True, solver="cholesky").fit(X, y)
        np.testing.assert_allclose(ours.params["w"], ref.coef_, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.params["b"], ref.intercept_, rtol=1e-9, atol=1e-12)


def test_ridge_shrinks_weights_and_handles_more_features_than_samples():
    X, y = _regression(n=5, d=8)
    with pytest.raises(ValueError, match="singular"):
        LinearRegression().fit_normal_equations(X, y)  # N < D + 1 (erratum 13)
    norms = [
        np.linalg.norm(LinearRegression(l2).fit_normal_equations(X, y).params["w"])
        for l2 in (0.01, 0.1, 1.0, 10.0)
    ]
    assert np.all(np.diff(norms) < 0)
    X2, y2 = _regression()
    with pytest.raises(ValueError, match="linearly dependent"):
        LinearRegression().fit_normal_equations(np.c_[X2, X2[:, :1]], y2)


# ------------------------------------------------------------------------ logistic regression
def test_logistic_regression_learns_blobs():
    X, y = data.make_blobs(100, num_classes=2, spread=1.0, rng=0)
    model = LogisticRegression()
    history = fit(model, X, y, optim.GD(1.0), epochs=300)
    assert history["train_loss"][0] == pytest.approx(np.log(2))  # w₀ = 0: σ(0) = 1/2
    assert history["train_loss"][-1] < 0.01
    assert _accuracy(y, model.predict(X)) == 1.0
    proba = model.predict_proba(X)
    assert proba.shape == (200,)
    np.testing.assert_array_equal(model.predict(X), (proba > 0.5).astype(int))


@pytest.mark.parametrize("scale", [1e4, 1e8])
def test_logistic_regression_stable_for_huge_weights(scale):
    X, y = data.make_blobs(20, num_classes=2, rng=1)
    model = LogisticRegression().init(2)
    model.params["w"][...] = scale * np.array([1.0, -1.0])
    proba = _stable(model.predict_proba, X)
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    z = model.decision_function(X)
    np.testing.assert_array_equal(proba[z > 40], 1.0)
    np.testing.assert_array_equal(proba[z < -800], 0.0)
    loss = _stable(model.loss, X, y)
    assert np.isfinite(loss) and loss >= 0
    assert np.all(np.isfinite(model.grads["w"]))
    # the loss of a confidently wrong sample grows like |z| (softplus), not inf
    yf = 1 - model.predict(X)
    assert _stable(model.loss, X, yf) == pytest.approx(np.mean(np.abs(z)), rel=1e-12)


# ------------------------------------------------------------------------- softmax regression
def test_softmax_probabilities_and_prediction():
    X, y, rng = _problem("softmax", n=20)
    model = _model("softmax", rng=rng)
    P = model.predict_proba(X)
    assert P.shape == (20, C)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P, softmax(X @ model.params["w"] + model.params["b"]))
    np.testing.assert_array_equal(model.predict(X), P.argmax(axis=1))
    model.params["w"] *= 1e6  # logits ~ 1e6
    P = _stable(model.predict_proba, X)
    assert np.all(np.isfinite(P))
    assert np.isfinite(_stable(model.loss, X, y))


def test_softmax_with_two_classes_is_logistic_regression():
    """(3.57): with C = 2 only the difference of the scores matters, w = w₁ − w₀, b = b₁ − b₀."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((15, 3)), rng.integers(0, 2, 15)
    soft = SoftmaxRegression(2).init(3)
    soft.params["w"][...] = rng.standard_normal((3, 2))
    soft.params["b"][...] = rng.standard_normal(2)
    logi = LogisticRegression().init(3)
    logi.params["w"][...] = soft.params["w"][:, 1] - soft.params["w"][:, 0]
    logi.params["b"][...] = soft.params["b"][1] - soft.params["b"][0]
    np.testing.assert_allclose(soft.predict_proba(X)[:, 1], logi.predict_proba(X), rtol=1e-12)
    np.testing.assert_array_equal(soft.predict(X), logi.predict(X))
    assert soft.loss(X, y) == pytest.approx(logi.loss(X, y), rel=1e-12)
    # the gradients of the two columns are opposite, and their difference is 2 × logistic's
    np.testing.assert_allclose(soft.grads["w"][:, 0], -soft.grads["w"][:, 1], atol=1e-15)
    np.testing.assert_allclose(soft.grads["w"][:, 1] - soft.grads["w"][:, 0], 2 * logi.grads["w"], rtol=1e-12)


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_softmax_training_with_two_classes_tracks_logistic_training(l2):
    """From zero, W's columns stay opposite; w₁ − w₀ follows logistic GD with 2× the rate (and l2/2)."""
    X, y = data.make_blobs(30, num_classes=2, spread=2.0, rng=4)
    soft, logi = SoftmaxRegression(2, l2=l2), LogisticRegression(l2=l2 / 2)
    fit(soft, X, y, optim.GD(0.1), epochs=50, batch_size=None)
    fit(logi, X, y, optim.GD(0.2), epochs=50, batch_size=None)
    W, b = soft.params["w"], soft.params["b"]
    np.testing.assert_allclose(W[:, 1] - W[:, 0], logi.params["w"], rtol=1e-10)
    np.testing.assert_allclose(b[1] - b[0], logi.params["b"], rtol=1e-10, atol=1e-14)


def test_softmax_regression_on_digits():
    """Standardised digits, seeded 60/20/20 split, mini-batch SGD with early stopping: ≥ 95 %.

    Measured: test accuracy 0.9721 after 30 epochs, about 0.1 s.
    """
    X, y = data.load_digits()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = data.split(X, y, rng=0)
    Xtr, Xva, Xte = data.standardize(Xtr, Xva, Xte)
    model = SoftmaxRegression(10)
    start = time.perf_counter()
    history = fit(
        model,
        Xtr,
        ytr,
        optim.GD(0.1),
        epochs=30,
        batch_size=32,
        rng=0,
        X_val=Xva,
        y_val=yva,
        patience=5,
    )
    seconds = time.perf_counter() - start
    acc = _accuracy(yte, model.predict(Xte))
    assert acc >= 0.95, f"test accuracy {acc:.4f}"
    assert history["val_accuracy"][history["best_epoch"]] >= 0.95
    assert seconds < 10, f"training took {seconds:.1f} s"


# -------------------------------------------------------------------------------- training
def test_fit_history_without_validation():
    X, y = _regression()
    model = LinearRegression()
    history = fit(model, X, y, optim.GD(0.1), epochs=7, batch_size=None)
    assert len(history["train_loss"]) == 8  # before training + 7 epochs
    assert history["val_loss"] == [] and history["best_epoch"] is None
    assert history["train_accuracy"] == history["val_accuracy"] == []  # regression: no classes
    assert history["train_loss"][-1] == pytest.approx(model.loss(X, y))


def test_fit_history_lengths_with_validation_and_metric():
    X, y = data.make_blobs(40, num_classes=3, rng=0)
    (Xtr, ytr), (Xva, yva) = data.split(X, y, fractions=(0.7, 0.3), rng=0)
    history = fit(
        SoftmaxRegression(3),
        Xtr,
        ytr,
        optim.Adam(0.05),
        epochs=12,
        batch_size=10,
        rng=0,
        X_val=Xva,
        y_val=yva,
    )
    assert len(history["train_loss"]) == len(history["val_loss"]) == len(history["val_accuracy"]) == 13
    assert history["val_loss"][history["best_epoch"]] == min(history["val_loss"])
    assert history["val_accuracy"][-1] > 0.9
    model = SoftmaxRegression(3)
    history = fit(model, Xtr, ytr, optim.GD(0.1), epochs=2, X_val=Xva, y_val=yva)
    assert history["val_accuracy"][-1] == _accuracy(yva, model.predict(Xva))
    assert history["train_accuracy"][-1] == _accuracy(ytr, model.predict(Xtr))


def _drifting_regression():
    """Train on y = 2x, validate on y = x: from w = 0, val loss falls, then rises past w = 1."""
    rng = np.random.default_rng(0)
    Xt, Xv = rng.standard_normal((50, 1)), rng.standard_normal((50, 1))
    return Xt, 2 * Xt[:, 0], Xv, Xv[:, 0]


class _Recording(optim.GD):
    """GD that remembers the parameters after every step."""

    def __init__(self, lr):
        super().__init__(lr)
        self.trace = []

    def step(self, params, grads):
        super().step(params, grads)
        self.trace.append({k: v.copy() for k, v in params.items()})


@pytest.mark.parametrize("patience", [1, 3, 5])
def test_early_stopping_restores_the_best_epoch(patience):
    Xt, yt, Xv, yv = _drifting_regression()
    model, opt = LinearRegression(), _Recording(0.05)
    w_ref = model.init(1).params["w"]
    history = fit(model, Xt, yt, opt, epochs=200, batch_size=None, X_val=Xv, y_val=yv, patience=patience)
    best, val = history["best_epoch"], history["val_loss"]
    assert 0 < best < 50
    epochs_run = len(val) - 1
    assert epochs_run == best + patience  # stopped as soon as allowed
    assert len(history["train_loss"]) == len(val) == len(opt.trace) + 1
    assert val[best] == min(val) and all(v >= val[best] for v in val[best + 1 :])
    assert model.params["w"] is w_ref  # restored in place
    for k in ("w", "b"):  # the parameters of epoch `best`
        np.testing.assert_array_equal(model.params[k], opt.trace[best - 1][k])
    assert model.data_loss(Xv, yv) == val[best]


def test_without_patience_the_final_parameters_are_kept():
    Xt, yt, Xv, yv = _drifting_regression()
    model, opt = LinearRegression(), _Recording(0.05)
    history = fit(model, Xt, yt, opt, epochs=40, batch_size=None, X_val=Xv, y_val=yv)
    assert len(history["val_loss"]) == 41 and history["best_epoch"] < 40
    np.testing.assert_array_equal(model.params["w"], opt.trace[-1]["w"])


def test_patience_covers_restoring_the_initial_parameters():
    Xt, yt, Xv, yv = _drifting_regression()
    model = LinearRegression()
    history = fit(model, Xt, yt, optim.GD(0.05), epochs=50, batch_size=None, X_val=Xv, y_val=-yv, patience=2)
    assert history["best_epoch"] == 0 and len(history["val_loss"]) == 3
    np.testing.assert_array_equal(model.params["w"], 0.0)


def test_fit_is_deterministic_for_a_seed():
    X, y = data.make_blobs(50, num_classes=3, rng=0)

    def run(seed):
        model = SoftmaxRegression(3)
        hist = fit(model, X, y, optim.Momentum(0.1), epochs=5, batch_size=8, rng=seed)
        return model.params["w"], hist["train_loss"]

    (w1, h1), (w2, h2), (w3, _) = run(7), run(7), run(8)
    np.testing.assert_array_equal(w1, w2)
    assert h1 == h2
    assert not np.array_equal(w1, w3)
    # full-batch GD does not shuffle, so the seed does not matter
    a, b = LogisticRegression(), LogisticRegression()
    fit(a, X, y == 1, optim.GD(0.5), epochs=5, batch_size=None, rng=1)
    fit(b, X, y == 1, optim.GD(0.5), epochs=5, batch_size=None, rng=2)
    np.testing.assert_array_equal(a.params["w"], b.params["w"])


def test_fit_continues_from_the_current_parameters():
    X, y = _regression()
    model = LinearRegression()
    h1 = fit(model, X, y, optim.GD(0.1), epochs=3)
    h2 = fit(model, X, y, optim.GD(0.1), epochs=3)
    assert h2["train_loss"][0] == h1["train_loss"][-1]


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda: optim.GD(0.5),
        lambda: optim.Momentum(0.1),
        lambda: optim.AdaGrad(0.5),
        lambda: optim.AdaDelta(),
        lambda: optim.RMSprop(0.05),
        lambda: optim.Adam(0.05),
    ],
    ids=["GD", "Momentum", "AdaGrad", "AdaDelta", "RMSprop", "Adam"],
)
def test_every_optimizer_trains_the_models(make_opt):
    X, y = data.make_blobs(40, num_classes=2, rng=2)
    model = LogisticRegression()
    b_ref = model.init(2).params["b"]
    history = fit(model, X, y, make_opt(), epochs=10, batch_size=16, rng=0)
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert model.params["b"] is b_ref and model.params["b"].shape == ()


# ---------------------------------------------------------------------------------- errors
def test_errors_for_bad_shapes():
    model = LinearRegression()
    with pytest.raises(ValueError, match=r"X must have shape \(N, D\), got shape \(5,\)"):
        model.loss(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match=r"X of shape \(5, 2\) and y of shape \(4,\)"):
        model.loss(np.ones((5, 2)), np.ones(4))
    with pytest.raises(ValueError, match=r"\(5, 2\).*\(5, 1\)"):
        model.loss(np.ones((5, 2)), np.ones((5, 1)))
    model.init(2)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"N = 3 rows of X_val \(3, 2\); got y_val of shape \(2,\)"):
        fit(model, np.ones((5, 2)), np.ones(5), optim.GD(0.1), 1, X_val=np.ones((3, 2)), y_val=np.ones(2))


@pytest.mark.parametrize(
    "model",
    [LinearRegression(), LogisticRegression(), SoftmaxRegression(3)],
    ids=["linear", "logistic", "softmax"],
)
def test_predict_before_fit_or_init(model):
    with pytest.raises(ValueError, match=r"fit\(...\) or init\(D\)"):
        model.predict(np.ones((2, 3)))
    model.init(3)
    assert model.predict(np.ones((2, 3))).shape == (2,)


def test_errors_for_bad_labels():
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"0\.\.2 for num_classes=3; found the label 3"):
        SoftmaxRegression(3).loss(X, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="negative"):
        SoftmaxRegression(3).loss(X, [0, 1, -1, 2])
    with pytest.raises(
        ValueError,
        match=r"y must hold binary labels in \{0, 1\}.*\[-1, 1\].*\(y \+ 1\) // 2",
    ):
        LogisticRegression().loss(X, [-1, 1, 1, -1])
    with pytest.raises(ValueError, match=r"\{0, 1\}.*\[0, 1, 2\]"):
        fit(LogisticRegression(), X, [0, 1, 2, 1], optim.GD(0.1), 1)
    with pytest.raises(ValueError, match="non-integer"):
        SoftmaxRegression(3).loss(X, [0, 1.5, 2, 1])
    assert np.isfinite(LogisticRegression().loss(X, [True, False, 1.0, 0]))  # bools/whole floats ok


def test_errors_for_bad_arguments():
    X, y = np.ones((4, 2)), np.zeros(4)
    with pytest.raises(ValueError, match="num_classes"):
        SoftmaxRegression(1)
    with pytest.raises(ValueError, match="l2"):
        LinearRegression(l2=-1.0)
    with pytest.raises(ValueError, match=r"\(patience\) needs validation"):
        fit(LinearRegression(), X, y, optim.GD(0.1), 3, patience=2)
    with pytest.raises(ValueError, match="both X_val and y_val"):
        fit(LinearRegression(), X, y, optim.GD(0.1), 3, X_val=X)
    with pytest.raises(ValueError, match="batch_size"):
        fit(LinearRegression(), X, y, optim.GD(0.1), 3, batch_size=0)
    with pytest.raises(TypeError, match="Optimizer"):
        fit(LinearRegression(), X, y, lambda p, g: None, 3)


def test_float32_inputs_and_zero_features():
    X, y = _regression()
    m64 = LinearRegression().fit_normal_equations(X, y)
    m32 = LinearRegression().fit_normal_equations(X.astype(np.float32), y.astype(np.float32))
    np.testing.assert_allclose(m32.params["w"], m64.params["w"], rtol=1e-3)
    # degree-0 polynomial features: a bias-only model predicts the mean
    x, t = data.make_polynomial_regression(30, rng=0)
    const = LinearRegression().fit_normal_equations(data.polynomial_features(x, 0), t)
    assert float(const.params["b"]) == pytest.approx(t.mean())
    assert losses.squared(const.predict(np.empty((30, 0))), t) == pytest.approx(t.var())


def test_ridge_gd_curves_is_gradient_descent_in_closed_form():
    """The closed-form iterates equal an explicit GD loop of nndl.optim on nndl.linear's objective."""
    from nndl import optim
    from nndl.data import legendre_features
    from nndl.linear import LinearRegression, ridge_gd_curves

    rng = np.random.default_rng(0)
    x, x_val = rng.uniform(-1, 1, 12), rng.uniform(-1, 1, 30)
    y, y_val = np.cos(2 * x) + 0.1 * rng.standard_normal(12), np.cos(2 * x_val)
    F, F_val = legendre_features(x, 5), legendre_features(x_val, 5)
    lambdas, epochs = [0.0, 0.01, 0.5], 150
    W, train, val = ridge_gd_curves(F, y, F_val, y_val, lambdas, epochs, record=[0, 7, epochs])
    Xh = np.column_stack([np.ones(12), F])
    lr = 1 / (np.linalg.eigvalsh(2 / 12 * Xh.T @ Xh).max() + max(lambdas))
    for j, lam in enumerate(lambdas):
        model, opt = LinearRegression(l2=lam).init(5), optim.GD(lr)
        seen = {}
        for t in range(epochs + 1):
            if t in (0, 7, epochs):
                seen[t] = (model.data_loss(F, y), model.data_loss(F_val, y_val))
            if t < epochs:
                model.loss(F, y)
                opt.step(model.params, model.grads)
        np.testing.assert_allclose(W[:, j], np.r_[model.params["b"], model.params["w"]], atol=1e-12)
        np.testing.assert_allclose(train[:, j], [seen[t][0] for t in (0, 7, epochs)], rtol=1e-10)
        np.testing.assert_allclose(val[:, j], [seen[t][1] for t in (0, 7, epochs)], rtol=1e-10)


def test_squared_risk_is_the_mean_squared_error_with_its_gradient():
    from nndl.gradcheck import numerical_gradient, relative_error
    from nndl.linear import add_bias_feature, squared_risk

    rng = np.random.default_rng(3)
    X_hat, y = add_bias_feature(rng.normal(size=(20, 3))), rng.normal(size=20)
    w_hat = rng.normal(size=4)
    value, grad = squared_risk(X_hat, y)(w_hat)
    assert value == pytest.approx(np.mean((X_hat @ w_hat - y) ** 2), rel=1e-14)
    numeric = numerical_gradient(lambda v: squared_risk(X_hat, y)(v)[0], w_hat.copy())
    assert relative_error(grad, numeric) < 1e-8
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(20,\)"):
        squared_risk(X_hat, y[:-1])


def test_gd_step_limit_separates_convergence_from_divergence():
    """2/L with L = (2/N)·σ_max(X̂)²; GD (3.16) from 0 converges just below it and diverges above."""
    from nndl.linear import add_bias_feature, gd_step_limit, squared_risk

    rng = np.random.default_rng(4)
    X_hat, y = add_bias_feature(rng.normal(size=(30, 2)) * [1.0, 3.0]), rng.normal(size=30)
    limit = gd_step_limit(X_hat)
    sigma = np.linalg.svd(X_hat, compute_uv=False).max()
    assert limit == pytest.approx(2.0 / (2.0 / 30 * sigma**2), rel=1e-12)
    start = squared_risk(X_hat, y)(np.zeros(3))[0]
    for factor, converges in ((0.95, True), (1.05, False)):
        _, values = optim.minimize(squared_risk(X_hat, y), np.zeros(3), optim.GD(factor * limit), 400)
        assert (values[-1] < start) == converges
