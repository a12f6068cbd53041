"""Tests for nndl.functions: activations, softmax and their derivatives (draft 2.5 and 5.1.1)."""

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nndl import functions as F
from nndl.gradcheck import numerical_gradient, numerical_jacobian, relative_error

FAST = settings(max_examples=100, deadline=None)


def floats(bound):
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)


def arrays(bound, min_dims=1, max_dims=2, max_side=6):
    shapes = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)
    return hnp.arrays(np.float64, shapes, elements=floats(bound))


def _sigma(v):
    return 1.0 / (1.0 + math.exp(-v))


def _closed_form(fn, x):
    """Apply a scalar math-module formula entry by entry, independently of NumPy's ufuncs."""
    return np.array([fn(v) for v in x])


def _stable(fn, *args, **kwargs):
    """Call fn with every warning an error and overflow / division / invalid raising.

    Underflow stays ignored (NumPy's default): e^{-1e4} rounding to 0 is the intended result.
    """
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def tanh_elementwise_jacobian(x):
    return F.elementwise_jacobian(F.tanh_derivative, x)


def _name(obj):
    """Test id: the function's name (None, i.e. pytest's default, for data and lambdas)."""
    name = getattr(obj, "__name__", None)
    return None if name == "<lambda>" else name


ELEMENTWISE = [
    F.logistic,
    F.logistic_derivative,
    F.tanh,
    F.tanh_derivative,
    F.relu,
    F.relu_derivative,
    F.softplus,
    F.softplus_derivative,
]
ALONG_AXIS = [F.softmax, F.log_softmax, F.logsumexp]
JACOBIANS = [F.softmax_jacobian, F.logistic_jacobian, tanh_elementwise_jacobian]
ALL_FUNCTIONS = ELEMENTWISE + ALONG_AXIS + JACOBIANS

MODERATE = np.linspace(-20.0, 20.0, 81)


# ------------------------------------------------------------------------------ closed forms
@pytest.mark.parametrize(
    "fn, reference",
    [
        (F.logistic, _sigma),  # (2.38)
        (F.logistic_derivative, lambda v: _sigma(v) * _sigma(-v)),  # (2.39): σ(1 − σ)
        (F.tanh, math.tanh),  # (5.4)
        (F.tanh_derivative, lambda v: 1.0 / math.cosh(v) ** 2),
        (F.relu, lambda v: max(v, 0.0)),  # (5.5)
        (F.relu_derivative, lambda v: 1.0 if v > 0 else 0.0),
        (F.softplus, lambda v: math.log1p(math.exp(v))),  # (5.6)
        (F.softplus_derivative, _sigma),
    ],
    ids=_name,
)
def test_elementwise_matches_closed_form(fn, reference):
    """Each activation and derivative equals its textbook formula for moderate x."""
    np.testing.assert_allclose(fn(MODERATE), _closed_form(reference, MODERATE), rtol=1e-12, atol=1e-15)


def test_relu_derivative_is_zero_at_zero():
    """The convention at the kink: relu'(0) = 0."""
    assert F.relu_derivative(np.array([0.0, -0.0]))[0] == 0.0


@pytest.mark.parametrize("x", [[1.0, 2.0, 3.0], [-5.0, 0.0, 5.0, 20.0], [0.5]])
def test_softmax_family_matches_closed_form(x):
    """softmax (2.45), logsumexp and log_softmax against sums of math.exp."""
    exps = [math.exp(v) for v in x]
    total = sum(exps)
    np.testing.assert_allclose(F.softmax(x), [e / total for e in exps], rtol=1e-14)
    np.testing.assert_allclose(F.logsumexp(x), math.log(total), rtol=1e-14)
    np.testing.assert_allclose(F.log_softmax(x), [v - math.log(total) for v in x], rtol=1e-13, atol=1e-14)


def test_softmax_axis_normalizes_the_requested_axis():
    """With axis=0 each column, not each row, is a distribution."""
    x = np.arange(6.0).reshape(2, 3)
    col = np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(F.softmax(x, axis=0), col, rtol=1e-14)
    np.testing.assert_allclose(
        F.logsumexp(x, axis=0, keepdims=True), np.log(np.exp(x).sum(axis=0, keepdims=True)), rtol=1e-14
    )


# -------------------------------------------------------------------------------- stability
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", ELEMENTWISE + ALONG_AXIS, ids=_name)
def test_extreme_inputs_give_no_warning_and_finite_output(fn, dtype):
    """±1e4, in a vector and in a batch (N, K), stay finite and warning-free."""
    batch = np.array([[-1e4, -1.0, 0.0, 1.0, 1e4], [1e4, 1e4, 1e4, -1e4, 0.0]], dtype=dtype)
    for x in (batch[0], batch):
        out = _stable(fn, x)
        assert np.all(np.isfinite(out))
        assert out.dtype == dtype


@pytest.mark.parametrize(
    "fn, x, expected",
    [
        (F.logistic, [1e4, -1e4], [1.0, 0.0]),
        (F.logistic_derivative, [1e4, -1e4], [0.0, 0.0]),
        (F.tanh, [1e4, -1e4], [1.0, -1.0]),
        (F.softplus, [1e4, -1e4], [1e4, 0.0]),
        (F.softmax, [1e4, -1e4], [1.0, 0.0]),
        (F.log_softmax, [1e4, -1e4], [0.0, -2e4]),
        (F.logsumexp, [1e4, 1e4], 1e4 + math.log(2)),
        (F.logsumexp, [[1e4, -1e4], [-1e4, -1e4]], [1e4, -1e4 + math.log(2)]),
    ],
    ids=_name,
)
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-15), (np.float32, 1e-6)])
def test_limits_at_extreme_inputs(fn, x, expected, dtype, rtol):
    """The exact limits: σ(±1e4) = 1, 0; softplus(1e4) = 1e4; logsumexp([1e4, 1e4]) = 1e4 + log 2."""
    np.testing.assert_allclose(_stable(fn, np.array(x, dtype=dtype)), expected, rtol=rtol, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("logit", [1e4, -1e4])
def test_log_softmax_of_equal_extreme_logits(logit, dtype):
    """K equal logits give log(1/K), up to the rounding of x − logsumexp(x), about ε·|x|."""
    x = np.full((2, 3), logit, dtype=dtype)
    atol = 4 * np.finfo(dtype).eps * abs(logit)
    np.testing.assert_allclose(_stable(F.log_softmax, x), -math.log(3), rtol=0, atol=atol)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    """exp sums to 0, so log Σ exp = −inf, not NaN."""
    assert _stable(F.logsumexp, np.array([-np.inf, -np.inf])) == -np.inf


@given(x=arrays(1e4, max_dims=3))
@FAST
def test_softmax_family_is_stable_for_any_input_up_to_1e4(x):
    for fn in ALONG_AXIS:
        assert np.all(np.isfinite(_stable(fn, x)))


# -------------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=_name)
@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
        (np.int8, np.float64),
        (np.bool_, np.float64),
    ],
)
def test_output_dtype(fn, dtype, expected):
    """Floating inputs keep their dtype; integers and bools are computed in float64."""
    x = np.array([[0, 1, 1], [1, 0, 1]], dtype=dtype)
    assert fn(x).dtype == expected


def test_integer_input_is_not_truncated():
    """int input must give the float result, not an integer-rounded one."""
    np.testing.assert_allclose(F.logistic(np.array([0, 1])), [0.5, _sigma(1.0)], rtol=1e-15)


# --------------------------------------------------------------------- hypothesis properties
@given(data=st.data(), x=arrays(1e4, max_dims=3))
@FAST
def test_softmax_is_a_distribution_along_axis(data, x):
    """(2.42): entries in [0, 1] summing to 1 along the chosen axis."""
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    s = F.softmax(x, axis=axis)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=0, atol=1e-13)


@given(x=arrays(100), c=floats(100))
@FAST
def test_softmax_is_shift_invariant(x, c):
    """softmax(x + c) = softmax(x), which is why subtracting the maximum is safe."""
    np.testing.assert_allclose(F.softmax(x + c), F.softmax(x), rtol=1e-10, atol=1e-300)


@given(x=arrays(30))
@FAST
def test_tanh_is_a_rescaled_logistic(x):
    """tanh(x) = 2σ(2x) − 1."""
    np.testing.assert_allclose(F.tanh(x), 2 * F.logistic(2 * x) - 1, rtol=1e-12, atol=1e-15)


@given(x=arrays(30, max_dims=1))
@FAST
def test_softplus_derivative_is_logistic(x):
    """softplus' = σ, checked against numerical_gradient of Σ softplus(x)."""
    grad = numerical_gradient(lambda v: np.sum(F.softplus(v)), x)
    assert relative_error(grad, F.logistic(x)) < 1e-7


@given(x=arrays(1e3, max_dims=2))
@FAST
def test_log_softmax_is_log_of_softmax(x):
    """log_softmax = log ∘ softmax wherever softmax has not underflowed."""
    s = F.softmax(x)
    ok = s > 1e-100
    np.testing.assert_allclose(F.log_softmax(x)[ok], np.log(s[ok]), rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
@given(x=arrays(30))
@FAST
def test_activation_derivative_matches_central_difference(name, x):
    """ACTIVATIONS[name] = (f, f'): f' ≈ (f(x + h) − f(x − h)) / 2h (2.17)."""
    if name == "relu":
        assume(np.all(np.abs(x) > 1e-3))  # the kink at 0 has no derivative
    f, df = F.ACTIVATIONS[name]
    h = 1e-6
    fd = (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(df(x), fd, rtol=1e-6, atol=1e-8)


@given(x=arrays(1e4))
@FAST
def test_derivative_bounds(x):
    """0 ≤ σ' ≤ 1/4 and 0 ≤ tanh' ≤ 1."""
    assert np.all((F.logistic_derivative(x) >= 0) & (F.logistic_derivative(x) <= 0.25))
    assert np.all((F.tanh_derivative(x) >= 0) & (F.tanh_derivative(x) <= 1))


def test_derivative_maxima_are_attained_at_zero():
    assert F.logistic_derivative(0.0) == 0.25
    assert F.tanh_derivative(0.0) == 1.0


def test_derivative_bounds_survive_rounding_near_zero():
    """Grid points a hair from 0 (as np.linspace produces) must not round above σ' = 1/4."""
    x = np.linspace(-1e-14, 1e-14, 1001)
    assert F.logistic_derivative(x).max() <= 0.25
    assert F.tanh_derivative(x).max() <= 1.0


# -------------------------------------------------------------------------------- Jacobians
JACOBIAN_CASES = [
    ("softmax (2.46)", F.softmax_jacobian, F.softmax),
    ("logistic (2.41)", F.logistic_jacobian, F.logistic),
] + [
    (f"elementwise {name} (2.36)", lambda x, df=df: F.elementwise_jacobian(df, x), f)
    for name, (f, df) in sorted(F.ACTIVATIONS.items())
]


@pytest.mark.parametrize("label, jacobian, fn", JACOBIAN_CASES, ids=[c[0] for c in JACOBIAN_CASES])
@given(x=arrays(2, min_dims=1, max_dims=2))
@FAST
def test_jacobian_matches_numerical_jacobian(label, jacobian, fn, x):
    """Every analytic Jacobian, for a vector (K,) and row by row for a batch (N, K)."""
    if "relu" in label:
        assume(np.all(np.abs(x) > 1e-3))
    jac = jacobian(x)
    assert jac.shape == x.shape + (x.shape[-1],)
    rows = x.reshape(-1, x.shape[-1])
    for row, row_jac in zip(rows, jac.reshape(-1, x.shape[-1], x.shape[-1])):
        assert relative_error(row_jac, numerical_jacobian(fn, row)) < 1e-7


@given(x=arrays(1e4, min_dims=1, max_dims=2))
@FAST
def test_softmax_jacobian_is_symmetric_with_zero_row_sums(x):
    """diag(s) − s sᵀ (2.46) is symmetric, and each row sums to s_i (1 − Σ s) = 0."""
    jac = F.softmax_jacobian(x)
    np.testing.assert_array_equal(jac, np.swapaxes(jac, -1, -2))
    np.testing.assert_allclose(jac.sum(axis=-1), 0.0, atol=1e-14)


@pytest.mark.parametrize("a, b", [(0.0, 0.0), (1.0, -2.0), (-3.5, 4.0)])
def test_two_class_softmax_jacobian_closed_form(a, b):
    """For K = 2, softmax is (σ(a − b), σ(b − a)), so (2.46) is σσ' [[1, −1], [−1, 1]]."""
    p = _sigma(a - b) * _sigma(b - a)
    np.testing.assert_allclose(
        F.softmax_jacobian([a, b]), p * np.array([[1, -1], [-1, 1]]), rtol=1e-12
    )  # s − s² cancels when s ≈ 1


def test_logistic_jacobian_is_diagonal_of_sigma_prime():
    """(2.41): diag(σ(x) ⊙ (1 − σ(x)))."""
    x = np.array([-2.0, 0.0, 3.0])
    expected = np.diag(_closed_form(lambda v: _sigma(v) * _sigma(-v), x))
    np.testing.assert_allclose(F.logistic_jacobian(x), expected, rtol=1e-14, atol=0)


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=_name)
@pytest.mark.parametrize(
    "bad",
    [
        np.array(["a", "b"]),
        np.array([1 + 2j, 3j]),
        np.array([1.0, None], dtype=object),
    ],
    ids=["str", "complex", "object"],
)
def test_non_real_input_raises_type_error_naming_the_dtype(fn, bad):
    with pytest.raises(TypeError, match=re.escape(f"got dtype {bad.dtype}")):
        fn(bad)


@pytest.mark.parametrize("fn", ALONG_AXIS, ids=_name)
@pytest.mark.parametrize("scalar", [1.0, np.float64(2.0), np.array(3.0)])
def test_softmax_family_rejects_scalars(fn, scalar):
    with pytest.raises(ValueError, match="scalar"):
        fn(scalar)


@pytest.mark.parametrize("fn", ALONG_AXIS, ids=_name)
@pytest.mark.parametrize("axis", [2, -3, 10])
def test_softmax_family_rejects_bad_axis(fn, axis):
    with pytest.raises(
        ValueError, match=re.escape(f"axis {axis} is out of range") + ".*" + re.escape("(2, 3)")
    ):
        fn(np.ones((2, 3)), axis=axis)


@pytest.mark.parametrize("fn", JACOBIANS, ids=_name)
@pytest.mark.parametrize("shape", [(2, 3, 4), ()])
def test_jacobians_reject_wrong_rank(fn, shape):
    with pytest.raises(ValueError, match=re.escape("(K,) or (N, K)") + ".*" + re.escape(str(shape))):
        fn(np.ones(shape))


def test_elementwise_jacobian_rejects_non_callable():
    with pytest.raises(TypeError, match="callable.*ndarray"):
        F.elementwise_jacobian(np.ones(3), np.ones(3))


def test_elementwise_jacobian_rejects_derivative_of_wrong_shape():
    with pytest.raises(ValueError, match=re.escape("shape of x (3,), got (1,)")):
        F.elementwise_jacobian(lambda x: np.ones(1), np.ones(3))
