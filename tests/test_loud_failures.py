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

from nndl import data, functions as F, gradcheck, linear, losses, metrics, nn, optim, perceptron
from nndl._validation import TrainingDiverged, as_label_array


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
    f = lambda V: float(np.sum(A * V) ** 2)                        # noqa: E731
    expected = 2 * np.sum(A * x) * A
    assert gradcheck.relative_error(gradcheck.numerical_gradient(f, x), expected) < 1e-8
    jac = gradcheck.numerical_jacobian(lambda V: np.tanh(A * V), x)
    diag = (A * (1 - np.tanh(A * x) ** 2)).reshape(-1)            # row-major order of x's entries
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
    np.testing.assert_allclose(losses.softmax_cross_entropy([0], [[1e16, 1e16]]), np.log(2),
                               rtol=1e-15)


@pytest.mark.parametrize("shift", [1e4, -1e4])
def test_float32_cross_entropy_keeps_small_losses_at_large_logits(shift):
    z = np.array([[shift, shift - 8.0]], dtype=np.float32)
    expected = np.log1p(np.exp(-8.0))          # 3.35e-4; x − logsumexp(x) gave 0 in float32
    got = losses.softmax_cross_entropy([0], z)
    assert got.dtype == np.float32
    # log(1 + 3.35e-4) in float32: relative error up to eps32 / 3.35e-4 = 3.6e-4
    np.testing.assert_allclose(got, expected, rtol=4e-4)
    np.testing.assert_allclose(nn.SoftmaxCrossEntropy().forward(z, [0]), expected, rtol=4e-4)
    model = linear.SoftmaxRegression(2).init(1)
    model.params["b"][...] = [shift, shift - 8.0]                  # float64 here: also exact
    np.testing.assert_allclose(model.data_loss(np.zeros((1, 1)), [0]), expected, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
                  elements=st.floats(-1e300, 1e300, allow_nan=False)),
       st.sampled_from([np.float64, np.float32]))
def test_log_softmax_is_stable_for_any_finite_logits(z, dtype):
    """No warning, no NaN, never positive; exp of it sums to 1; consistent with logsumexp."""
    if dtype == np.float32:      # so that the mean of up to 4 losses of 2e37 still fits
        z = np.clip(z, -1e37, 1e37).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logp = F.log_softmax(z, axis=1)
        lse = F.logsumexp(z, axis=1)
        p = F.softmax(z, axis=1)
        ce = losses.softmax_cross_entropy(np.zeros(z.shape[0], dtype=int), z)
    assert logp.dtype == z.dtype and not np.isnan(logp).any() and np.all(logp <= 0)
    assert np.all(np.isfinite(lse)) and np.isfinite(ce)
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(p, np.exp(logp), rtol=1e-4, atol=1e-6)
    assert np.all(logp.max(axis=1) >= -np.log(z.shape[1]) - 1e-5)   # the top class has p >= 1/C


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
        losses.hinge([1, -1], np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"^scores must be finite; found nan at index 1"):
        losses.hinge_grad([1, -1], [0.5, np.nan])


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
