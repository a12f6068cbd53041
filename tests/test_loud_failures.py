"""Issue 13, "the library fails loudly": wrong answers become clear errors, at every entry point.

Each test names the class of failure it covers; each failed (or would have failed) before the fix.
"""

import copy
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nndl import data, gradcheck, linear, losses, metrics, nn, optim, perceptron
from nndl import functions as F
from nndl._validation import TrainingDiverged, as_label_array
from nndl.training import fit


# ------------------------------------------------- 1. finite differences whatever the layout
def _layouts(W):
    """The same values as W in layouts whose reshape(-1) is a copy, not a view."""
    big = np.zeros((W.shape[0] * 2, W.shape[1] * 3))
    big[::2, ::3] = W
    return {"transposed view": W.T, "fortran": np.asfortranarray(W), "strided slice": big[::2, ::3]}


@pytest.mark.parametrize("layout", ["transposed view", "fortran", "strided slice"])
def test_numerical_gradient_and_jacobian_for_any_memory_layout(layout):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 4))
    A = rng.normal(size=(3, 4)) if layout != "transposed view" else rng.normal(size=(4, 3))
    x = _layouts(W)[layout]
    assert not x.flags.c_contiguous
    f = lambda V: float(np.sum(A * V) ** 2)  # noqa: E731
    expected = 2 * np.sum(A * x) * A
    assert gradcheck.relative_error(gradcheck.numerical_gradient(f, x), expected) < 1e-8
    jac = gradcheck.numerical_jacobian(lambda V: np.tanh(A * V), x)
    diag = (A * (1 - np.tanh(A * x) ** 2)).reshape(-1)  # row-major order of x's entries
    assert gradcheck.relative_error(jac, np.diag(diag)) < 1e-8


def test_gradient_check_of_the_input_for_a_fortran_ordered_batch():
    """nn.gradient_check(inputs=True) reported a relative error of 1.0 for X in Fortran order."""
    model = nn.mlp([3, 4, 2], "tanh", init="glorot", rng=0)
    X = np.asfortranarray(np.random.default_rng(1).normal(size=(5, 3)))
    errors = nn.gradient_check(model, X, [0, 1, 1, 0, 1], inputs=True)
    assert max(errors.values()) < 1e-7, errors


def test_gradient_check_works_on_a_float32_model_and_leaves_it_untouched():
    """Float32 round-off gave 'relative errors' of 0.4-1.0 for correct code, with no warning."""
    model = nn.mlp([4, 5, 3], "tanh", init="glorot", rng=2, dtype=np.float32)
    before = copy.deepcopy(model.params)
    X = np.random.default_rng(3).normal(size=(6, 4)).astype(np.float32)
    errors = nn.gradient_check(model, X, [0, 1, 2, 0, 1, 2], l2=0.1, inputs=True)
    assert max(errors.values()) < 1e-7, errors
    for k, v in model.params.items():
        assert v.dtype == np.float32 and np.array_equal(v, before[k])


# ---------------------------------------------------------------- 6. precision of log-softmax
def test_log_softmax_of_tied_huge_logits_is_minus_log_2():
    np.testing.assert_allclose(F.log_softmax(np.array([1e16, 1e16])), -np.log(2), rtol=1e-15)
    np.testing.assert_allclose(losses.softmax_cross_entropy([[1e16, 1e16]], [0]), np.log(2), rtol=1e-15)


@pytest.mark.parametrize("shift", [1e4, -1e4])
def test_float32_cross_entropy_keeps_small_losses_at_large_logits(shift):
    z = np.array([[shift, shift - 8.0]], dtype=np.float32)
    expected = np.log1p(np.exp(-8.0))  # 3.35e-4; x − logsumexp(x) gave 0 in float32
    got = losses.softmax_cross_entropy(z, [0])
    assert got.dtype == np.float32
    # log(1 + 3.35e-4) in float32: relative error up to eps32 / 3.35e-4 = 3.6e-4
    np.testing.assert_allclose(got, expected, rtol=4e-4)
    np.testing.assert_allclose(nn.SoftmaxCrossEntropy().forward(z, [0]), expected, rtol=4e-4)
    model = linear.SoftmaxRegression(2).init(1)
    model.params["b"][...] = [shift, shift - 8.0]  # float64 here: also exact
    np.testing.assert_allclose(model.data_loss(np.zeros((1, 1)), [0]), expected, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 5)),
        elements=st.floats(-1e300, 1e300, allow_nan=False),
    ),
    st.sampled_from([np.float64, np.float32]),
)
def test_log_softmax_is_stable_for_any_finite_logits(z, dtype):
    """No warning, no NaN, never positive; exp of it sums to 1; consistent with logsumexp."""
    if dtype == np.float32:  # so that the mean of up to 4 losses of 2e37 still fits
        z = np.clip(z, -1e37, 1e37).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logp = F.log_softmax(z, axis=1)
        lse = F.logsumexp(z, axis=1)
        p = F.softmax(z, axis=1)
        ce = losses.softmax_cross_entropy(z, np.zeros(z.shape[0], dtype=int))
    assert logp.dtype == z.dtype and not np.isnan(logp).any() and np.all(logp <= 0)
    assert np.all(np.isfinite(lse)) and np.isfinite(ce)
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(p, np.exp(logp), rtol=1e-4, atol=1e-6)
    assert np.all(logp.max(axis=1) >= -np.log(z.shape[1]) - 1e-5)  # the top class has p >= 1/C


# ------------------------------------------------------------------- 5. misleading messages
def test_a_huge_float_label_is_reported_as_too_large_not_negative():
    with pytest.raises(ValueError, match=r"found 1e\+20, which is too large to be a class label"):
        as_label_array(np.array([0.0, 1e20]), "y")
    with pytest.raises(ValueError, match=r"^y must be finite; found inf at index 1"):
        metrics.accuracy([0.0, np.inf], [0, 1])
    with pytest.raises(ValueError, match="too large"):
        nn.SoftmaxCrossEntropy().forward(np.zeros((2, 2)), [0.0, -1e20])


def test_hinge_errors_name_the_scores():
    with pytest.raises(ValueError, match=r"^scores must have shape"):
        losses.hinge(np.zeros((2, 2)), [1, -1])
    with pytest.raises(ValueError, match=r"^scores must be finite; found nan at index 1"):
        losses.hinge_grad([0.5, np.nan], [1, -1])


# --------------------------------------------------------------------------- 4. float dtypes
@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool, np.complex128, "i4"])
def test_integer_dtype_is_refused_instead_of_zeroing_the_weights(dtype):
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        nn.init_weights(3, 4, dtype=dtype)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        nn.Dense(4, 3, dtype=dtype)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        nn.mlp([4, 3], dtype=dtype)


def test_float_dtypes_still_work():
    assert nn.Dense(4, 3, dtype=np.float32).params["W"].dtype == np.float32
    assert nn.init_weights(3, 4, dtype="float64").dtype == np.float64


# ------------------------------------------------------- 2. NaN and inf at every entry point
def _with_bad(value, row=3, shape=(6, 2), seed=0):
    X = np.random.default_rng(seed).normal(size=shape)
    X[row, -1] = value
    return X


BAD = [np.nan, np.inf, -np.inf]


@pytest.mark.parametrize("bad", BAD)
def test_training_loops_reject_non_finite_data_naming_argument_and_row(bad):
    y = np.array([0, 1, 0, 1, 0, 1])
    Xok, Xbad = _with_bad(0.0), _with_bad(bad)
    row = re.escape(f"found {bad} at row 3")
    with pytest.raises(ValueError, match=rf"^X must be finite; {row}"):
        fit(nn.mlp([2, 2]), Xbad, y, optim.GD(0.1), 1)
    with pytest.raises(ValueError, match=rf"^X_val must be finite; {row}"):
        fit(nn.mlp([2, 2]), Xok, y, optim.GD(0.1), 1, X_val=Xbad, y_val=y)
    with pytest.raises(ValueError, match=rf"^X must be finite; {row}"):
        fit(linear.LogisticRegression(), Xbad, y, optim.GD(0.1), 1)
    with pytest.raises(ValueError, match=rf"^X_val must be finite; {row}"):
        fit(linear.LogisticRegression(), Xok, y, optim.GD(0.1), 1, X_val=Xbad, y_val=y)
    with pytest.raises(ValueError, match=rf"^y must be finite; found {re.escape(str(bad))} at index 3"):
        fit(linear.LinearRegression(), Xok, np.where(np.arange(6) == 3, bad, 1.0), optim.GD(0.1), 1)
    with pytest.raises(ValueError, match=r"^y must be finite"):
        fit(linear.SoftmaxRegression(2), Xok, np.where(np.arange(6) == 3, bad, 1.0), optim.GD(0.1), 1)


@pytest.mark.parametrize("bad", BAD)
def test_losses_metrics_predict_and_standardize_reject_non_finite(bad):
    Z = _with_bad(bad)
    y = np.zeros(6, dtype=int)
    row = re.escape(f"found {bad} at row 3")
    with pytest.raises(ValueError, match=rf"^scores must be finite; {row}"):
        nn.SoftmaxCrossEntropy().forward(Z, y)
    with pytest.raises(ValueError, match=rf"^logits must be finite; {row}"):
        losses.softmax_cross_entropy(Z, y)
    with pytest.raises(ValueError, match=rf"^X must be finite; {row}"):
        nn.mlp([2, 2]).predict(Z)  # a NaN row used to be predicted as class 0
    with pytest.raises(ValueError, match=rf"^X must be finite; {row}"):
        nn.mlp([2, 2]).predict_proba(Z)
    with pytest.raises(ValueError, match=rf"^X must be finite; {row}"):
        linear.SoftmaxRegression(2).init(2).predict(Z)
    with pytest.raises(ValueError, match=rf"^X must be finite; {row}"):
        linear.LogisticRegression().init(2).predict(Z)
    with pytest.raises(ValueError, match=rf"^X_train must be finite; {row}"):
        data.standardize(Z)
    with pytest.raises(ValueError, match=rf"^others\[1\] must be finite; {row}"):
        data.standardize(np.ones((3, 2)), np.ones((2, 2)), Z)
    with pytest.raises(ValueError, match=r"^y_pred must be finite"):
        metrics.confusion_matrix([0, 1], [0.0, bad])
    with pytest.raises(ValueError, match=rf"^X must be finite; {row}"):
        perceptron.perceptron(Z, np.ones(6))


def test_predict_of_a_model_with_nan_parameters_raises():
    model = nn.mlp([2, 3, 2], rng=0)
    model[0].params["W"][1, 0] = np.nan
    with pytest.raises(ValueError, match=r"scores became nan \(row 0\).*parameters finite"):
        model.predict(np.ones((4, 2)))


def test_resize_bilinear_rejects_a_nan_pixel_and_bad_sizes():
    img = np.zeros((2, 8, 8))
    img[1, 3, 4] = np.nan  # used to turn the whole image into NaN
    with pytest.raises(ValueError, match=r"^images must be finite; found nan at row 1 \(index \(1, 3, 4\)\)"):
        data.resize_bilinear(img, 4)
    with pytest.raises(TypeError, match="size must be an integer"):
        data.resize_bilinear(np.zeros((8, 8)), 4.0)
    with pytest.raises(ValueError, match="size must be >= 1"):
        data.resize_bilinear(np.zeros((8, 8)), 0)
    with pytest.raises(ValueError, match=r"h, w >= 1"):
        data.resize_bilinear(np.zeros((0, 8)), 4)


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    "cls, kw",
    [
        (optim.GD, {"lr": 0.1}),
        (optim.Momentum, {"lr": 0.1}),
        (optim.AdaGrad, {"lr": 0.1}),
        (optim.AdaDelta, {}),
        (optim.RMSprop, {"lr": 0.1}),
        (optim.Adam, {}),
    ],
)
def test_optimizers_refuse_a_non_finite_gradient_and_change_nothing(cls, kw, bad):
    opt = cls(**kw)
    params = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    opt.step(params, {"W": np.ones((2, 2)), "b": np.ones(2)})
    before = copy.deepcopy((params, opt.state))
    with pytest.raises(
        ValueError,
        match=r"^grads\['b'\] holds .* \(not finite\): the step would "
        r"make params\['b'\] NaN",
    ):
        opt.step(params, {"W": np.ones((2, 2)), "b": np.array([0.0, bad])})
    np.testing.assert_array_equal(params["W"], before[0]["W"])
    np.testing.assert_array_equal(params["b"], before[0]["b"])
    assert all(np.array_equal(opt.state[k][s], before[1][k][s]) for k in opt.state for s in opt.state[k])


# --------------------------------------------------------------------------------- 3. divergence
def _strict(fn, *args, **kwargs):
    """Call fn with every warning an error: proves that no RuntimeWarning escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("batch_size", [None, 8])
@pytest.mark.parametrize("lr", [3.0, 1e3, 1e300])
def test_linear_fit_stops_with_training_diverged_and_no_warnings(lr, batch_size):
    X, y, *_ = data.make_linear_regression(40, 3, rng=0)
    with pytest.raises(
        TrainingDiverged,
        match=r"^training diverged at epoch \d+: .*last finite "
        r"loss [0-9.e+]+\)\. Try a smaller learning rate",
    ):
        _strict(fit, linear.LinearRegression(), X, y, optim.GD(lr), 500, batch_size=batch_size, rng=0)


@pytest.mark.parametrize(
    "activation, opt",
    [
        ("relu", optim.GD(1e4)),
        ("relu", optim.Momentum(1e3)),
        ("relu", optim.GD(1e300)),
        ("tanh", optim.GD(1e300)),
    ],
    ids=["relu GD 1e4", "relu momentum 1e3", "relu GD 1e300", "tanh GD 1e300"],
)
def test_nn_fit_stops_with_training_diverged_and_no_warnings(activation, opt):
    X, y = data.make_blobs(30, rng=0)
    model = nn.mlp([2, 16, 3], activation, init="he", rng=0)
    with pytest.raises(
        TrainingDiverged,
        match=r"^training diverged at epoch \d+: .*\(last finite "
        r"loss [0-9.e+]+\)\. Try a smaller learning rate",
    ):
        _strict(fit, model, 100 * X, y, opt, 200, batch_size=16, rng=0)


def test_a_slowly_growing_but_finite_run_is_still_returned():
    """ch03 shows GD just above 2/L: the loss grows, but stays far below the divergence limit."""
    X, y, *_ = data.make_linear_regression(40, 1, rng=0)
    Xh = linear.add_bias_feature(X)
    L = np.linalg.eigvalsh(2 / len(y) * Xh.T @ Xh).max()
    hist = _strict(fit, linear.LinearRegression(), X, y, optim.GD(1.1 * 2 / L), 60, batch_size=None)
    assert hist["train_loss"][-1] > 100 * hist["train_loss"][0]
    _, values = _strict(optim.minimize, lambda x: (x @ x, 2 * x), np.ones(2), optim.GD(1.2), 60)
    assert values[-1] > 1e10


def test_minimize_stops_when_the_values_overflow():
    with pytest.raises(TrainingDiverged, match=r"^training diverged at step \d+: the loss became inf"):
        _strict(optim.minimize, lambda x: (x @ x, 2 * x), np.ones(2), optim.GD(10.0), 2000)


# -------------------------------------------------------------- 5. epochs: TypeError vs ValueError
@pytest.mark.parametrize(
    "loop",
    [
        lambda e: fit(nn.mlp([2, 2]), np.ones((2, 2)), [0, 1], optim.GD(0.1), e),
        lambda e: fit(linear.LinearRegression(), np.ones((2, 2)), [0, 1], optim.GD(0.1), e),
        lambda e: perceptron.perceptron(np.eye(2), [1, -1], epochs=e),
        lambda e: perceptron.multiclass_perceptron(np.eye(2), [0, 1], epochs=e),
        lambda e: perceptron.averaged_perceptron(np.eye(2), [1, -1], epochs=e),
        lambda e: optim.minimize(lambda x: (x @ x, 2 * x), np.ones(2), optim.GD(0.1), e),
    ],
    ids=["fit(mlp)", "fit(linear)", "perceptron", "multiclass_perceptron", "averaged_perceptron", "minimize"],
)
def test_every_loop_raises_type_error_for_a_float_count_and_value_error_for_a_negative(loop):
    with pytest.raises(TypeError, match="must be an integer, got 2.0"):
        loop(2.0)
    with pytest.raises(ValueError, match=r"must be >= [01], got -1"):
        loop(-1)


def test_linear_fit_batch_size_and_patience_follow_the_same_policy():
    X, y = np.ones((4, 2)), np.zeros(4)
    with pytest.raises(TypeError, match="batch_size must be an integer, got 2.0"):
        fit(linear.LinearRegression(), X, y, optim.GD(0.1), 3, batch_size=2.0)
    with pytest.raises(TypeError, match="patience must be an integer, got 1.5"):
        fit(linear.LinearRegression(), X, y, optim.GD(0.1), 3, X_val=X, y_val=y, patience=1.5)


def test_normal_equations_report_inf_data_not_a_singular_matrix():
    X = np.random.default_rng(0).normal(size=(10, 2))
    X[4, 1] = np.inf
    with pytest.raises(ValueError, match=r"^X must be finite; found inf at row 4"):
        linear.LinearRegression().fit_normal_equations(X, np.ones(10))
    with pytest.raises(ValueError, match=r"^y must be finite; found nan at index 2"):
        linear.LinearRegression().fit_normal_equations(np.eye(3), [1.0, 2.0, np.nan])


# ----------------------------------------------------- 8. the other public functions, checked
def test_remaining_entry_points_reject_non_finite_inputs():
    X = _with_bad(np.nan)
    with pytest.raises(ValueError, match=r"^X must be finite; found nan at row 3"):
        nn.objective(nn.mlp([2, 2]), X, np.zeros(6, dtype=int))
    with pytest.raises(ValueError, match=r"^X must be finite; found nan at row 3"):
        nn.loss_and_grads(nn.mlp([2, 2]), X, np.zeros(6, dtype=int))
    with pytest.raises(ValueError, match=r"^X must be finite; found nan at row 3"):
        nn.delta_norms(nn.mlp([2, 3, 2]), X, np.zeros(6, dtype=int))
    with pytest.raises(ValueError, match=r"^actual must be finite; found nan at index 1"):
        gradcheck.relative_error([0.0, np.nan], [0.0, 1.0])  # was nan: `err < tol` just False
    with pytest.raises(ValueError, match=r"^x must be finite; found inf at index 2"):
        data.polynomial_features([0.0, 1.0, np.inf], 3)
    with pytest.raises(ValueError, match=r"^w must be finite; found nan at index 0"):
        perceptron.predict([np.nan, 1.0], np.ones((3, 2)))  # was: −1 for every row
    with pytest.raises(ValueError, match=r"^W must be finite"):
        perceptron.multiclass_predict(np.full((2, 2), np.nan), np.ones((3, 2)))
