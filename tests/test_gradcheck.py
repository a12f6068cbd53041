"""Tests for nndl.gradcheck: finite-difference gradients and Jacobians (draft 2.4)."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nndl.gradcheck import finite_difference_errors, numerical_gradient, numerical_jacobian, relative_error

FAST = settings(max_examples=100, deadline=None)
RNG = np.random.default_rng(20150101)


# ----------------------------------------------------------------------- numerical_gradient
def test_gradient_of_quadratic_form():
    """∂(xᵀAx)/∂x = (A + Aᵀ)x, with A deliberately not symmetric."""
    A, x = RNG.standard_normal((4, 4)), RNG.standard_normal(4)
    grad = numerical_gradient(lambda v: v @ A @ v, x)
    assert relative_error(grad, (A + A.T) @ x) < 1e-8


def test_gradient_with_respect_to_a_matrix():
    """The gradient has the shape of X, entry [i, j] = ∂f/∂X_ij (2.25)–(2.26): Σ X³ → 3X²."""
    X = RNG.standard_normal((3, 2))
    grad = numerical_gradient(lambda M: np.sum(M**3), X)
    assert grad.shape == X.shape
    assert relative_error(grad, 3 * X**2) < 1e-8


def test_gradient_is_float64_even_for_float32_input():
    """Inputs are copied to float64: in float32 a step of 1e-6 would be lost to rounding."""
    x = np.array([0.5, -1.25, 2.0], dtype=np.float32)
    grad = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert grad.dtype == np.float64
    assert relative_error(grad, np.cos(x.astype(np.float64))) < 1e-8


def test_gradient_of_integer_input():
    grad = numerical_gradient(lambda v: np.sum(v**2), np.array([1, -2, 3]))
    np.testing.assert_allclose(grad, [2.0, -4.0, 6.0], rtol=1e-8)


@pytest.mark.parametrize("check", [numerical_gradient, numerical_jacobian])
def test_input_is_not_mutated(check):
    """The perturbations x ± h happen on a private copy, even while f is being evaluated."""
    x = RNG.standard_normal((2, 3))
    before = x.copy()
    untouched_during_calls = []

    def f(v):
        untouched_during_calls.append(np.array_equal(x, before))
        return np.sum(np.tanh(v))

    check(f, x)
    assert untouched_during_calls and all(untouched_during_calls)
    np.testing.assert_array_equal(x, before)


def test_gradient_sees_unperturbed_entries():
    """f is evaluated with only one entry moved at a time: ∂(x0·x1)/∂x = (x1, x0)."""
    np.testing.assert_allclose(numerical_gradient(lambda v: v[0] * v[1], [3.0, 5.0]), [5.0, 3.0], rtol=1e-9)


# ----------------------------------------------------------------------- numerical_jacobian
def test_jacobian_of_linear_map_is_transpose():
    """Denominator layout: for f(x) = Ax with A of shape (q, p), ∂Ax/∂x = Aᵀ, shape (p, q) (2.32)."""
    A = RNG.standard_normal((3, 5))
    jac = numerical_jacobian(lambda v: A @ v, RNG.standard_normal(5))
    assert jac.shape == (5, 3)
    np.testing.assert_allclose(jac, A.T, rtol=1e-7, atol=1e-9)


def test_jacobian_entry_layout():
    """Entry (i, j) is ∂f_j/∂x_i (2.19): f(x) = (x0², x0·x1, x1³) at (2, 3)."""
    jac = numerical_jacobian(lambda v: np.array([v[0] ** 2, v[0] * v[1], v[1] ** 3]), [2.0, 3.0])
    np.testing.assert_allclose(jac, [[4.0, 3.0, 0.0], [0.0, 2.0, 27.0]], rtol=1e-8, atol=1e-9)


def test_jacobian_flattens_matrix_arguments_row_major():
    """For X of shape (2, 3) and f(X) = row sums, row 3i + j of the Jacobian is e_i."""
    jac = numerical_jacobian(lambda M: M.sum(axis=1), RNG.standard_normal((2, 3)))
    expected = np.repeat(np.eye(2), 3, axis=0)
    np.testing.assert_allclose(jac, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "view", [lambda v: v, lambda v: v.T, lambda v: v[:, 1]], ids=["identity", "transpose", "column slice"]
)
def test_jacobian_of_function_returning_a_view_of_x(view):
    """f may return a view of its argument; the perturbed values must be read before x moves on.

    Each view is linear, so row r of its Jacobian (2.19) is exactly f(e_r).
    """
    expected = np.array([np.ravel(view(e.reshape(2, 3))) for e in np.eye(6)])
    jac = numerical_jacobian(view, RNG.standard_normal((2, 3)))
    np.testing.assert_allclose(jac, expected, rtol=0, atol=1e-9)


def test_gradient_of_function_returning_a_view_of_x():
    np.testing.assert_allclose(numerical_gradient(lambda v: v, np.array([[0.7]])), [[1.0]], rtol=1e-9)


def test_jacobian_of_scalar_function_is_a_column():
    """q = 1: the Jacobian is the gradient as a (p, 1) column."""
    x = RNG.standard_normal(4)
    jac = numerical_jacobian(lambda v: np.sum(v**2), x)
    assert jac.shape == (4, 1)
    assert relative_error(jac[:, 0], 2 * x) < 1e-8


def test_jacobian_rejects_output_size_change():
    with pytest.raises(ValueError, match="changed its output size from 1 to 2"):
        numerical_jacobian(lambda v: np.ones(1 + int(v[0] > 0.5)), [0.5])


# -------------------------------------------------------------------------- relative_error
# 0 or 1e-100 <= |v| <= 1e100, so that scaling by 2**±300 stays exact (no subnormals)
MAGNITUDES = st.floats(1e-100, 1e100)
ENTRIES = st.one_of(st.just(0.0), MAGNITUDES, MAGNITUDES.map(lambda v: -v))


@st.composite
def array_pairs(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=5))
    return tuple(draw(hnp.arrays(np.float64, shape, elements=ENTRIES)) for _ in range(2))


@given(pair=array_pairs())
@FAST
def test_relative_error_is_symmetric_and_bounded(pair):
    a, b = pair
    r = relative_error(a, b)
    assert r == relative_error(b, a)
    assert 0.0 <= r <= 1.0 + 1e-15
    assert relative_error(a, a) == 0.0


@given(pair=array_pairs(), k=st.integers(-300, 300))
@FAST
def test_relative_error_is_scale_invariant(pair, k):
    """Scaling both arguments by 2**k (exact in binary) leaves the relative error unchanged.

    Spans magnitudes 1e-190 ... 1e190 so that naive norms would underflow or overflow.
    """
    a, b = pair
    c = 2.0**k
    assert relative_error(c * a, c * b) == pytest.approx(relative_error(a, b), rel=1e-12, abs=0)


@pytest.mark.parametrize(
    "actual, expected, value",
    [
        ([0.0, 0.0], [0.0, 0.0], 0.0),
        ([1.0, 2.0], [1.0, 2.0], 0.0),
        ([3.0], [1.0], 0.5),  # |3 − 1| / (3 + 1)
        ([1.0, 0.0], [0.0, 0.0], 1.0),
        ([1.0, 0.0], [-1.0, 0.0], 1.0),
        ([3.0, 4.0], [0.0, 0.0], 1.0),
        ([1e-200], [0.0], 1.0),  # would underflow to 0 in a naive norm
        ([1e200], [0.0], 1.0),  # would overflow to inf / inf
        ([3e200, 0.0], [0.0, 4e200], 5 / 7),
    ],
)
def test_relative_error_known_values(actual, expected, value):
    assert relative_error(actual, expected) == pytest.approx(value, rel=1e-15, abs=0)


def test_relative_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=re.escape("same shape, got (3,) and (1, 3)")):
        relative_error(np.ones(3), np.ones((1, 3)))


# ------------------------------------------------------------------ finite_difference_errors
E = math.e


def test_central_error_is_tiny_at_the_sweet_spot():
    """Near h = 1e-5 the central difference of exp at 1 is accurate to better than 1e-9."""
    _, central = finite_difference_errors(np.exp, np.exp, 1.0, [1e-5])
    assert central[0] < 1e-9


@pytest.mark.parametrize(
    "which, h, predicted",
    [
        ("forward", 1e-5, E / 2 * 1e-5),  # f''(x0)/2 · h: slope 1
        ("forward", 1e-2, E / 2 * 1e-2),
        ("central", 1e-2, E / 6 * 1e-4),  # f'''(x0)/6 · h²: slope 2
        ("central", 1e-3, E / 6 * 1e-6),
    ],
)
def test_truncation_error_matches_taylor_prediction(which, h, predicted):
    """The error of exp'(1) follows the leading Taylor term, within a factor 2."""
    forward, central = finite_difference_errors(np.exp, np.exp, 1.0, np.array([h]))
    error = {"forward": forward, "central": central}[which][0]
    assert predicted / 2 < error < 2 * predicted


def test_errors_have_the_shape_of_steps():
    steps = 10.0 ** -np.arange(1, 7).reshape(2, 3)
    forward, central = finite_difference_errors(np.sin, np.cos, 0.3, steps)
    assert forward.shape == central.shape == (2, 3)
    np.testing.assert_allclose(
        forward, np.abs((np.sin(0.3 + steps) - np.sin(0.3)) / steps - np.cos(0.3)), rtol=1e-12
    )


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call",
    [
        lambda f: numerical_gradient(f, [1.0]),
        lambda f: numerical_jacobian(f, [1.0]),
        lambda f: finite_difference_errors(f, np.exp, 1.0, [1e-3]),
        lambda f: finite_difference_errors(np.exp, f, 1.0, [1e-3]),
    ],
    ids=["numerical_gradient", "numerical_jacobian", "fd_errors f", "fd_errors derivative"],
)
def test_non_callable_raises_type_error(call):
    with pytest.raises(TypeError, match="callable"):
        call(3.0)


@pytest.mark.parametrize("check", [numerical_gradient, numerical_jacobian])
@pytest.mark.parametrize("h", [0.0, -1e-6, float("nan"), float("inf"), True, "1e-6", np.array([1e-6])])
def test_nonpositive_or_non_scalar_step_raises_value_error(check, h):
    with pytest.raises(ValueError, match="step h must be a positive real number"):
        check(np.sum, [1.0, 2.0], h=h)


@pytest.mark.parametrize("steps", [[1e-3, 0.0], [-1e-3], [[1e-2, -1e-5]]])
def test_nonpositive_steps_raise_value_error(steps):
    with pytest.raises(ValueError, match="every step h must be positive"):
        finite_difference_errors(np.exp, np.exp, 1.0, steps)


def test_gradient_of_vector_valued_function_raises_value_error():
    with pytest.raises(ValueError, match=re.escape("scalar-valued f; f returned shape (3,)")):
        numerical_gradient(lambda v: 2 * v, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("bad", [np.array(["a"]), np.array([1j])], ids=["str", "complex"])
def test_non_real_point_raises_type_error(bad):
    with pytest.raises(TypeError, match=re.escape(f"got dtype {bad.dtype}")):
        numerical_gradient(np.sum, bad)


# ------------------------------------------------------------------- layer checks (ch. 5–7)
def test_layer_gradient_errors_samples_entries_and_restores_parameters():
    from nndl import nn
    from nndl.gradcheck import check_layer, converted_copy, layer_gradient_errors

    layer = nn.Dense(6, 5, rng=0)
    layer.params["b"] += RNG.standard_normal(5)
    kept = {k: v.copy() for k, v in layer.params.items()}
    x, dy = RNG.standard_normal((4, 6)), RNG.standard_normal((4, 5))
    errors = layer_gradient_errors(layer, x, dy, entries=3)
    assert set(errors) == {"W", "b", "x"} and max(errors.values()) < 1e-7
    for k in kept:
        np.testing.assert_array_equal(layer.params[k], kept[k])
    check_layer(layer, x)
    for k in kept:  # the gradient check perturbs a float64 copy only
        np.testing.assert_array_equal(layer.params[k], kept[k])
    single = converted_copy(layer, np.float32)
    assert single.params["W"].dtype == np.float32 and layer.params["W"].dtype == np.float64
