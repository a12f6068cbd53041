"""Tests for nndl.nn: backpropagation against finite differences, the claims of 5.1 and 5.4, training."""

import numpy as np
import pytest

from nndl import functions as F
from nndl import nn, optim
from nndl.gradcheck import numerical_gradient, relative_error
from nndl.training import fit

ACTS = sorted(F.ACTIVATIONS)
TOL = 1e-6


def _data(n, d, c, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, c, size=n)


# ------------------------------------------------------------------------- gradient checks
@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize(
    "sizes",
    [[3, 2], [3, 5, 2], [4, 6, 5, 3], [3, 4, 4, 4, 4, 3]],
    ids=["depth1", "depth2", "depth3", "depth5"],
)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("n", [1, 6])
def test_backprop_matches_finite_differences(activation, sizes, l2, n):
    """(5.18)–(5.30): every parameter gradient and the input gradient, relative error < 1e-6."""
    model = nn.mlp(sizes, activation, init="glorot", rng=len(sizes) + n)
    rng = np.random.default_rng(n)
    for name, p in model.params.items():  # biases off 0, so that no ReLU state sits on its kink
        if name.endswith("b"):
            p[...] = rng.normal(scale=0.1, size=p.shape)
    X, y = _data(n, sizes[0], sizes[-1], seed=n)
    errors = nn.gradient_check(model, X, y, l2=l2, inputs=True)
    assert set(errors) == set(model.params) | {"input"}
    assert max(errors.values()) < TOL, errors


def test_gradient_check_by_hand_on_one_dense_layer():
    """∂J/∂W = Σ δ aᵀ (5.22) and ∂J/∂b = Σ δ (5.23), written out, for softmax cross-entropy."""
    layer = nn.Dense(4, 3, init="glorot", rng=0)
    X, y = _data(5, 4, 3)
    loss = nn.SoftmaxCrossEntropy()
    loss.forward(layer.forward(X), y)
    dX = layer.backward(loss.backward())
    delta = (F.softmax(X @ layer.params["W"].T + layer.params["b"]) - np.eye(3)[y]) / 5
    np.testing.assert_allclose(layer.grads["W"], sum(np.outer(d, a) for d, a in zip(delta, X)))
    np.testing.assert_allclose(layer.grads["b"], delta.sum(axis=0))
    np.testing.assert_allclose(dX, delta @ layer.params["W"])


def test_l2_penalizes_weights_not_biases():
    """(5.11) corrected: (λ/2)Σ‖W‖²_F over weights only; its gradient λW is added to W's gradient."""
    model = nn.mlp([3, 4, 2], "tanh", init="glorot", rng=0)
    X, y = _data(4, 3, 2)
    _, g0 = nn.loss_and_grads(model, X, y, l2=0.0)
    g0 = {k: v.copy() for k, v in g0.items()}
    _, g1 = nn.loss_and_grads(model, X, y, l2=0.5)
    p = model.params
    assert model.regularized == ("0.W", "2.W")
    for k in p:
        expected = g0[k] + (0.5 * p[k] if k.endswith("W") else 0.0)
        np.testing.assert_allclose(g1[k], expected, rtol=1e-12, atol=1e-15)
    manual = 0.25 * sum(np.sum(p[k] ** 2) for k in ("0.W", "2.W"))
    assert nn.penalty(model, 0.5) == pytest.approx(manual, rel=1e-12)


def test_printed_update_5_14_has_the_wrong_fixed_point():
    """Erratum 40: W − αg − λW stops at α/(α+λ), not at the minimizer 1/(1+λ) of ½λw² + ½(w−1)²."""
    alpha, lam = 0.1, 0.5
    w_printed = w_right = 0.0
    for _ in range(2000):
        w_printed = w_printed - alpha * (w_printed - 1) - lam * w_printed
        w_right = w_right - alpha * ((w_right - 1) + lam * w_right)
    assert w_printed == pytest.approx(alpha / (alpha + lam))
    assert w_right == pytest.approx(1 / (1 + lam))


# ------------------------------------------------------------------------ 5.1 and 5.4 claims
GRID = np.linspace(-10, 10, 20001)


def test_derivative_bounds_5_32_5_33():
    assert F.logistic_derivative(GRID).max() <= 0.25
    assert F.logistic_derivative(0.0) == 0.25
    assert F.tanh_derivative(GRID).max() <= 1.0
    assert F.tanh_derivative(0.0) == 1.0  # the bound is reached: "< 1" is a typo for "≤ 1"


def test_tanh_is_a_scaled_shifted_logistic():
    np.testing.assert_allclose(F.tanh(GRID), 2 * F.logistic(2 * GRID) - 1, atol=1e-15)


def test_softplus_derivative_is_logistic():
    x = np.linspace(-6, 6, 25)
    numeric = numerical_gradient(lambda v: F.softplus(v).sum(), x)
    assert relative_error(numeric, F.logistic(x)) < 1e-8


def test_rectifiers_do_not_have_derivative_one_erratum_44():
    """5.4 claims the derivative "equals 1": softplus′ < 1 everywhere, ReLU′ = 0 for x < 0."""
    x = np.linspace(-5, 5, 1001)
    assert F.softplus_derivative(x).max() < 1
    assert round(float(F.softplus_derivative(x).max()), 3) == 0.993
    assert np.all(F.relu_derivative(x[x < 0]) == 0)
    assert np.all(F.relu_derivative(x[x > 0]) == 1)


# ------------------------------------------------------------------------ shapes and errors
def test_forward_matches_a_per_layer_loop():
    """(5.7)–(5.10) for each sample as a column, against the batched forward pass."""
    model = nn.mlp([4, 5, 3, 2], "logistic", init="glorot", rng=0)
    X, _ = _data(7, 4, 2)
    out = model.forward(X)
    assert out.shape == (7, 2)
    dense = [layer for layer in model.layers if isinstance(layer, nn.Dense)]
    for x, row in zip(X, out):
        a = x
        for l, layer in enumerate(dense):
            z = layer.params["W"] @ a + layer.params["b"]
            a = F.logistic(z) if l < len(dense) - 1 else z
        np.testing.assert_allclose(row, a, rtol=1e-12)


def test_wrong_input_width_names_the_expected_shape():
    model = nn.mlp([4, 3, 2], rng=0)
    with pytest.raises(ValueError, match=r"\(N, D\) with D = 4, got shape \(5, 3\)"):
        model.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        model.forward(np.zeros(4))


def test_other_clear_errors():
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Activation("sigmoidal")
    with pytest.raises(ValueError, match="method must be one of"):
        nn.Dense(2, 2, init="zeros")
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Dense(2, 2).backward(np.zeros((1, 2)))
    layer = nn.Dense(2, 3)
    layer.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"shape of the output \(4, 3\)"):
        layer.backward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="label 5"):
        nn.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), [0, 5])
    with pytest.raises(TypeError, match="layer protocol"):
        nn.Sequential(nn.Dense(2, 2), "relu")
    with pytest.raises(ValueError, match="patience"):
        fit(nn.mlp([2, 2]), np.zeros((3, 2)), [0, 1, 0], optim.GD(0.1), 2, patience=2)


def test_params_are_unique_prefixed_views_that_optimizers_update():
    model = nn.mlp([3, 4, 4, 2], "relu", rng=0)
    names = list(model.params)
    assert names == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert model.num_params == 3 * 4 + 4 + 4 * 4 + 4 + 4 * 2 + 2
    X, y = _data(5, 3, 2)
    before = model.layers[0].params["W"].copy()
    _, grads = nn.loss_and_grads(model, X, y)
    optim.GD(0.5).step(model.params, grads)
    np.testing.assert_allclose(model.layers[0].params["W"], before - 0.5 * grads["0.W"])


def test_activation_layers_for_every_function():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    for cls, name in [
        (nn.Logistic, "logistic"),
        (nn.Tanh, "tanh"),
        (nn.ReLU, "relu"),
        (nn.Softplus, "softplus"),
    ]:
        layer = cls()
        assert layer.params == {} and layer.grads == {}
        np.testing.assert_array_equal(layer.forward(x), F.ACTIVATIONS[name][0](x))
        np.testing.assert_array_equal(layer.backward(np.ones_like(x)), F.ACTIVATIONS[name][1](x))


def test_softmax_cross_entropy_is_stable():
    scores = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]])
    loss = nn.SoftmaxCrossEntropy()
    value = loss.forward(scores, [1, 2])
    assert np.isfinite(value) and value == pytest.approx((2e4 + np.log(3)) / 2)
    assert np.all(np.isfinite(loss.backward()))


@pytest.mark.parametrize(
    "method, expected_std", [("small", 0.01), ("he", np.sqrt(2 / 400)), ("glorot", np.sqrt(2 / 700))]
)
def test_initializations_have_the_documented_scale(method, expected_std):
    W = nn.init_weights(300, 400, method, rng=0)
    assert W.shape == (300, 400)
    assert W.std() == pytest.approx(expected_std, rel=0.02)


def test_float32_stays_float32():
    model = nn.mlp([3, 4, 2], "tanh", rng=0, dtype=np.float32)
    X = np.ones((2, 3), dtype=np.float32)
    assert model.forward(X).dtype == np.float32
    _, grads = nn.loss_and_grads(model, X, [0, 1])
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


# --------------------------------------------------------------------------------- training
def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(m, 1.0, size=(40, 2)) for m in ((-2, 0), (2, 0), (0, 2.5))])
    y = np.repeat([0, 1, 2], 40)
    return X, y


def test_training_is_deterministic_when_seeded():
    X, y = _blobs()
    runs = []
    for _ in range(2):
        model = nn.mlp([2, 8, 3], "tanh", init="glorot", rng=3)
        runs.append((fit(model, X, y, optim.Momentum(0.1), 5, batch_size=16, rng=7, l2=1e-3), model.params))
    (h1, p1), (h2, p2) = runs
    assert h1 == h2
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k])
    assert len(h1["train_loss"]) == 6 and h1["train_loss"][-1] < h1["train_loss"][0]


def test_early_stopping_restores_the_best_parameters():
    X, y = _blobs(0)
    Xv, yv = _blobs(1)
    yv = (yv + 1) % 3  # validation labels that disagree: val loss rises during training
    model = nn.mlp([2, 8, 3], "tanh", init="glorot", rng=0)
    history = fit(model, X, y, optim.GD(0.5), 50, batch_size=None, X_val=Xv, y_val=yv, patience=3)
    best = history["best_epoch"]
    assert len(history["val_loss"]) - 1 == best + 3  # stopped `patience` epochs after best
    assert history["val_loss"][best] == min(history["val_loss"])
    assert best < 50 - 3
    assert nn.objective(model, Xv, yv) == pytest.approx(history["val_loss"][best], rel=1e-12)


def test_progress_prints_only_when_asked(capsys):
    X, y = _blobs()
    fit(nn.mlp([2, 3], rng=0), X, y, optim.GD(0.1), 3, rng=0)
    assert capsys.readouterr().out == ""
    fit(nn.mlp([2, 3], rng=0), X, y, optim.GD(0.1), 3, rng=0, progress=True)
    assert capsys.readouterr().out.count("epoch") == 4


def test_xor_is_solved_by_a_two_layer_network():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    model = nn.mlp([2, 4, 2], "tanh", init="glorot", rng=0)
    history = fit(model, X, y, optim.Momentum(0.3), 300, batch_size=None)
    assert np.array_equal(model.predict(X), y)
    assert history["train_loss"][-1] < 0.05


def test_delta_norms_vanish_for_deep_logistic_not_for_relu_with_he_init():
    X, y = _data(64, 20, 4)
    logistic = nn.mlp([20] + [32] * 9 + [4], "logistic", init="small", scale=0.1, rng=0)
    relu = nn.mlp([20] + [32] * 9 + [4], "relu", init="he", rng=0)
    d_log, d_relu = nn.delta_norms(logistic, X, y), nn.delta_norms(relu, X, y)
    assert d_log.shape == d_relu.shape == (10,)
    assert d_log[0] / d_log[-1] < 1e-6
    assert 0.1 < d_relu[0] / d_relu[-1] < 10


def test_gradient_runs_report_one_delta_per_dense_layer():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, size=30)
    runs = nn.vanishing_gradients_runs(X, y, depths=(5,), activations=("tanh",), epochs=1, width=6)
    assert [r["init"] for r in runs] == ["N(0, 0.01²)", "Glorot", "He"]
    assert all(r["deltas"].shape == (5,) and r["loss"].shape == (2,) for r in runs)
    small, _, he = runs
    assert small["deltas"][0] / small["deltas"][-1] < he["deltas"][0] / he["deltas"][-1]
