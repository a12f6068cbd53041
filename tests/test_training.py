"""`nndl.training.fit`: one loop for every model, one history, one exception policy."""

import math
import re
import warnings

import numpy as np
import pytest

from nndl import conv, data, linear, losses, nn, optim, rnn
from nndl._validation import TrainingDiverged
from nndl.training import History, fit, penalty


# ------------------------------------------------------------------- one problem per model kind
def _linear():
    X, y, *_ = data.make_linear_regression(20, 3, rng=0)
    return linear.LinearRegression(), X, y


def _logistic():
    X, y = data.make_blobs(10, num_classes=2, rng=0)
    return linear.LogisticRegression(), X, y


def _softmax():
    X, y = data.make_blobs(10, num_classes=3, rng=0)
    return linear.SoftmaxRegression(3), X, y


def _mlp():
    X, y = data.make_blobs(10, num_classes=3, rng=0)
    return nn.mlp([2, 5, 3], "tanh", rng=0), X, y


def _cnn():
    """A small CNN on (N, 1, 6, 6) images: no reshaping layer in front."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 1, 6, 6))
    y = (X[:, 0, :3].sum(axis=(1, 2)) > 0).astype(int)
    model = nn.Sequential(conv.Conv2D(1, 2, 3, rng=0), nn.Tanh(), conv.Flatten(), nn.Dense(32, 2, rng=0))
    return model, X, y


def _lenet():
    """LeNet-5 on 32×32 digit images (N, 1, 32, 32)."""
    X, y = data.load_digits_32()
    return conv.LeNet5(rng=0), X[:8], y[:8]


def _lstm():
    X, y = rnn.recall_task(16, 4, rng=0)
    return nn.Sequential(rnn.LSTM(5, 4, rng=0), rnn.LastStep(), nn.Dense(4, 4, rng=0)), X, y


def _srn():
    X, y = rnn.recall_task(16, 4, rng=0)
    return nn.Sequential(rnn.SRN(5, 4, rng=0), rnn.LastStep(), nn.Dense(4, 4, rng=0)), X, y


MODELS = {
    "linear": _linear,
    "logistic": _logistic,
    "softmax": _softmax,
    "mlp": _mlp,
    "cnn": _cnn,
    "lenet5": _lenet,
    "lstm": _lstm,
    "srn": _srn,
}
CLASSIFIERS = [k for k in MODELS if k != "linear"]


def _snapshot(model):
    return {k: np.array(v, copy=True) for k, v in model.params.items()}


# -------------------------------------------------------------------------- the same policy
def _val(X, y):
    return {"X_val": X, "y_val": y}


MISTAKES = [
    # (name, exception, message, keyword arguments or a function of (X, y) that returns them)
    ("epochs float", TypeError, "epochs must be an integer, got 2.0", {"epochs": 2.0}),
    ("epochs negative", ValueError, "epochs must be >= 0, got -1", {"epochs": -1}),
    ("batch_size float", TypeError, "batch_size must be an integer, got 2.5", {"batch_size": 2.5}),
    ("batch_size zero", ValueError, "batch_size must be >= 1, got 0", {"batch_size": 0}),
    ("shuffle int", TypeError, "shuffle must be True or False, got 1", {"shuffle": 1}),
    ("replacement str", TypeError, "replacement must be True or False", {"replacement": "yes"}),
    ("replacement unshuffled", ValueError, "shuffle=False", {"replacement": True, "shuffle": False}),
    ("steps_per_epoch alone", ValueError, "replacement=True", {"steps_per_epoch": 3}),
    ("steps_per_epoch float", TypeError, "steps_per_epoch must be an integer", {"steps_per_epoch": 1.0}),
    (
        "patience float",
        TypeError,
        "patience must be an integer, got 1.5",
        lambda X, y: {"patience": 1.5, **_val(X, y)},
    ),
    ("patience no data", ValueError, r"\(patience\) needs validation data", {"patience": 2}),
    ("X_val alone", ValueError, "both X_val and y_val", lambda X, y: {"X_val": X}),
    ("clip str", TypeError, "clip must be a real number", {"clip": "5"}),
    ("clip zero", ValueError, "clip must be > 0", {"clip": 0.0}),
    ("callback", TypeError, r"callback must be callable", {"callback": 3}),
    ("l2 negative", ValueError, "l2 must be >= 0", {"l2": -1.0}),
    ("l2 str", TypeError, "l2 must be a real number", {"l2": "0.1"}),
    ("loss", TypeError, "loss must be a loss layer", {"loss": "cross-entropy"}),
    ("progress float", TypeError, "progress must be an integer", {"progress": 1.5}),
    ("optimizer", TypeError, "optimizer must be an nndl.optim.Optimizer", {"optimizer": "adam"}),
    ("X strings", TypeError, "X must be a real numeric array", lambda X, y: {"X": X.astype(str)}),
    ("X empty", ValueError, r"X must have shape \(N, ...\) with N >= 1", lambda X, y: {"X": X[:0]}),
    ("X nan", ValueError, r"^X must be finite; found nan at row 1", "nan"),
    ("y short", ValueError, r"one target per sample, shape \(N,\)", lambda X, y: {"y": y[:-1]}),
    ("y_val short", ValueError, r"y_val must have one target per sample", lambda X, y: _val(X, y[:-1])),
]


@pytest.mark.parametrize("kind", MODELS)
@pytest.mark.parametrize("mistake", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_the_same_mistake_raises_the_same_exception_for_every_model(kind, mistake):
    """TypeError for a wrong type, ValueError for a wrong value, whatever the model and input shape;
    raised before any parameter changes."""
    _, exc, message, change = mistake
    model, X, y = MODELS[kind]()
    if change == "nan":
        X = X.copy()
        X[(1,) + (0,) * (X.ndim - 1)] = np.nan
        change = {"X": X}
    elif callable(change):
        change = change(X, y)
    args = {"X": X, "y": y, "optimizer": optim.GD(0.1), "epochs": 2, **change}
    model_params = _snapshot(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exc, match=message):
            fit(model, args.pop("X"), args.pop("y"), args.pop("optimizer"), args.pop("epochs"), **args)
    for k, v in model_params.items():
        np.testing.assert_array_equal(model.params[k], v)


def test_a_linear_model_names_the_array_whose_features_do_not_match():
    model, X, y = _softmax()
    with pytest.raises(
        ValueError, match=r"^X_val has 3 features \(shape \(4, 3\)\) but the model's w was made for D = 2"
    ):
        fit(model, X, y, optim.GD(0.1), 1, X_val=np.ones((4, 3)), y_val=[0, 1, 2, 0])
    assert model.params["w"].shape == (2, 3)


def test_options_are_keyword_only():
    model, X, y = _mlp()
    with pytest.raises(TypeError, match="positional"):
        fit(model, X, y, optim.GD(0.1), 2, 16)


# -------------------------------------------------------------------------------- the history
@pytest.mark.parametrize("kind", MODELS)
def test_every_model_returns_the_same_history(kind):
    model, X, y = MODELS[kind]()
    history = fit(model, X, y, optim.Adam(0.01), 3, batch_size=5, rng=0, X_val=X, y_val=y)
    assert isinstance(history, History) and tuple(history) == History.KEYS
    assert history.epochs == 3 and len(history["train_loss"]) == len(history["val_loss"]) == 4
    assert history["stopped_by"] is None
    assert history["val_loss"][history["best_epoch"]] == min(history["val_loss"])
    if kind in CLASSIFIERS:
        predicted = model.predict(X)
        assert history["train_accuracy"][-1] == history["val_accuracy"][-1] == np.mean(predicted == y)
        assert len(history["train_accuracy"]) == 4
    else:
        assert history["train_accuracy"] == history["val_accuracy"] == []
    # the last entries are the objective and the loss of the final parameters
    objective = model.loss(X, y) if kind in ("linear", "logistic", "softmax") else nn.objective(model, X, y)
    assert history["train_loss"][-1] == pytest.approx(objective, rel=1e-12)


# --------------------------------------------------------- independent loops, compared exactly
def _hand_loop(model, X, y, opt, epochs, batch_size, rng, l2=0.0, clip=None, replacement=False, steps=None):
    """Mini-batch training written out directly from the layer protocol: the oracle for `fit`."""
    rng = np.random.default_rng(rng)
    loss = losses.SoftmaxCrossEntropy()
    n = len(y)
    for _ in range(epochs):
        if replacement:
            batches = [rng.integers(0, n, size=batch_size) for _ in range(steps)]
        else:
            order = rng.permutation(n)
            batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            loss.forward(model.forward(X[idx]), y[idx])
            model.backward(loss.backward())
            grads = {
                k: g + l2 * model.params[k] if k in model.regularized else g for k, g in model.grads.items()
            }
            if clip is not None:
                norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads.values()))
                if norm > clip:
                    grads = {k: g * (clip / norm) for k, g in grads.items()}
            opt.step(model.params, grads)


def test_mini_batches_are_epochs_of_permutations():
    model, X, y = _mlp()
    ref, _, _ = _mlp()
    fit(model, X, y, optim.Momentum(0.1), 4, batch_size=7, rng=3, l2=0.01)
    _hand_loop(ref, X, y, optim.Momentum(0.1), 4, 7, 3, l2=0.01)
    for k in ref.params:
        np.testing.assert_allclose(model.params[k], ref.params[k], rtol=1e-13, atol=1e-15)


def test_sampling_with_replacement_and_clipping():
    model, X, y = _lstm()
    ref, _, _ = _lstm()
    history = fit(
        model, X, y, optim.Adam(0.05), 2, batch_size=8, replacement=True, steps_per_epoch=5, clip=0.5, rng=1
    )
    _hand_loop(ref, X, y, optim.Adam(0.05), 2, 8, 1, clip=0.5, replacement=True, steps=5)
    for k in ref.params:
        np.testing.assert_allclose(model.params[k], ref.params[k], rtol=1e-10, atol=1e-13)
    assert history.epochs == 2
    # without clipping the run differs: the threshold was active
    free, _, _ = _lstm()
    fit(free, X, y, optim.Adam(0.05), 2, batch_size=8, replacement=True, steps_per_epoch=5, rng=1)
    assert not np.allclose(free.params["0.W"], model.params["0.W"])


def test_the_default_epoch_with_replacement_has_n_over_batch_size_steps():
    model, X, y = _srn()
    steps = []

    class Counting(optim.GD):
        def step(self, params, grads):
            steps.append(1)
            super().step(params, grads)

    fit(model, X, y, Counting(0.1), 2, batch_size=5, replacement=True, rng=0)
    assert len(steps) == 2 * math.ceil(16 / 5)


def test_shuffle_false_takes_the_batches_in_order():
    model, X, y = _mlp()
    ref, _, _ = _mlp()
    fit(model, X, y, optim.GD(0.1), 2, batch_size=4, shuffle=False)
    loss = losses.SoftmaxCrossEntropy()
    for _ in range(2):
        for i in range(0, len(y), 4):
            loss.forward(ref.forward(X[i : i + 4]), y[i : i + 4])
            ref.backward(loss.backward())
            optim.GD(0.1).step(ref.params, ref.grads)
    for k in ref.params:
        np.testing.assert_allclose(model.params[k], ref.params[k], rtol=1e-13, atol=1e-15)


# ----------------------------------------------------------------------------- L2 convention
def test_one_l2_convention_for_linear_models_and_networks():
    """(λ/2)‖w‖² everywhere: the linear model's own l2 and fit's l2 give the same objective."""
    X, y = data.make_blobs(10, num_classes=3, rng=0)
    soft = linear.SoftmaxRegression(3, l2=0.3).init(2)
    soft.params["w"][...] = np.arange(6.0).reshape(2, 3) / 10
    assert soft.penalty() == pytest.approx(0.15 * np.sum(soft.params["w"] ** 2), rel=1e-15)
    assert penalty(soft, 0.3) == soft.penalty()
    net = nn.Sequential(nn.Dense(2, 3))
    net.params["0.W"][...] = soft.params["w"].T  # the same map, W = wᵀ
    expected = soft.loss(X, y)
    assert nn.objective(net, X, y, l2=0.3) == pytest.approx(expected, rel=1e-12)
    _, grads = nn.loss_and_grads(net, X, y, l2=0.3)
    np.testing.assert_allclose(grads["0.W"], soft.grads["w"].T, rtol=1e-12)


def test_a_linear_model_trains_with_its_own_l2_and_refuses_a_second_one():
    X, y, *_ = data.make_linear_regression(30, 2, rng=1)
    own = linear.LinearRegression(l2=0.4)
    given = linear.LinearRegression()
    fit(own, X, y, optim.GD(0.1), 5, batch_size=None)
    fit(given, X, y, optim.GD(0.1), 5, batch_size=None, l2=0.4)
    np.testing.assert_array_equal(own.params["w"], given.params["w"])
    with pytest.raises(ValueError, match="own l2 = 0.4 and fit got l2 = 0.1"):
        fit(own, X, y, optim.GD(0.1), 5, l2=0.1)


# --------------------------------------------------------------------- stopping and callbacks
def test_callback_sees_every_epoch_and_can_stop_training():
    model, X, y = _mlp()
    seen = []

    def callback(epoch, history):
        seen.append((epoch, len(history["train_loss"])))
        return epoch == 3

    history = fit(model, X, y, optim.GD(0.1), 10, callback=callback)
    assert seen == [(1, 2), (2, 3), (3, 4)]
    assert history.epochs == 3 and history["stopped_by"] == "callback"


def test_patience_stops_and_restores_for_a_network():
    model, X, y = _mlp()
    Xv, yv = X, (y + 1) % 3  # validation labels the model unlearns
    history = fit(model, X, y, optim.GD(0.5), 50, batch_size=None, X_val=Xv, y_val=yv, patience=2)
    assert history["stopped_by"] == "patience"
    assert history.epochs == history["best_epoch"] + 2
    assert nn.objective(model, Xv, yv) == pytest.approx(min(history["val_loss"]), rel=1e-12)


def test_progress_prints_one_line_per_epoch(capsys):
    model, X, y = _mlp()
    fit(model, X, y, optim.GD(0.1), 4, progress=2, X_val=X, y_val=y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["0", "2", "4"]
    assert re.match(r"epoch +4  loss [0-9.]+  accuracy [0-9.]+  val_loss [0-9.]+  val_accuracy", lines[-1])


@pytest.mark.parametrize("kind", ["linear", "mlp", "cnn", "lstm"])
def test_divergence_is_one_clear_error_for_every_model(kind):
    model, X, y = MODELS[kind]()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged, match=r"^training diverged at epoch \d+: .*Try a smaller"):
            fit(model, 1e3 * X, y, optim.GD(1e300), 50, rng=0)


# ------------------------------------------------------------------ one loss, one argument order
@pytest.mark.parametrize(
    "layer, function, grad, scores, y",
    [
        (
            losses.SoftmaxCrossEntropy,
            losses.softmax_cross_entropy,
            losses.softmax_cross_entropy_grad,
            np.random.default_rng(0).normal(scale=4, size=(9, 4)),
            np.random.default_rng(1).integers(0, 4, 9),
        ),
        (
            losses.LogisticCrossEntropy,
            losses.logistic_cross_entropy,
            losses.logistic_cross_entropy_grad,
            np.random.default_rng(0).normal(scale=4, size=9),
            np.random.default_rng(1).integers(0, 2, 9),
        ),
        (
            losses.SquaredError,
            losses.squared,
            losses.squared_grad,
            np.random.default_rng(0).normal(size=9),
            np.random.default_rng(1).normal(size=9),
        ),
    ],
    ids=["softmax", "logistic", "squared"],
)
def test_loss_layers_and_functions_take_scores_first_and_agree_to_the_last_bit(
    layer, function, grad, scores, y
):
    loss = layer()
    assert loss.forward(scores, y) == function(scores, y)
    np.testing.assert_array_equal(loss.backward(), grad(scores, y))


def test_chapter_5_names_are_the_training_module():
    assert nn.fit is fit and nn.penalty is penalty
    assert nn.SoftmaxCrossEntropy is losses.SoftmaxCrossEntropy
    assert not hasattr(linear, "fit") and not hasattr(rnn, "train") and not hasattr(rnn, "evaluate")


def test_model_counts_follow_the_same_policy():
    with pytest.raises(TypeError, match="num_classes must be an integer, got 3.0"):
        linear.SoftmaxRegression(3.0)
    with pytest.raises(ValueError, match="num_classes must be >= 2, got 1"):
        linear.SoftmaxRegression(1)
    with pytest.raises(TypeError, match="l2 must be a real number"):
        linear.LinearRegression(l2="0.1")
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        linear.LinearRegression(l2=-0.1)
