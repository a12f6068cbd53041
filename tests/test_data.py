"""Tests for nndl.data: generators, splits, standardisation and the bundled datasets."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nndl import data

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ regression
def test_make_linear_regression_shapes_and_types():
    X, y, w, b = data.make_linear_regression(40, 3, rng=0)
    assert X.shape == (40, 3) and y.shape == (40,) and w.shape == (3,)
    assert isinstance(b, float)
    assert X.dtype == y.dtype == w.dtype == np.float64


def test_make_linear_regression_noise_free_is_exactly_linear():
    X, y, w, b = data.make_linear_regression(25, 4, noise=0.0, rng=1)
    np.testing.assert_array_equal(y, X @ w + b)


def test_make_linear_regression_noise_level():
    X, y, w, b = data.make_linear_regression(20000, 2, noise=0.5, rng=2)
    assert abs(np.std(y - (X @ w + b)) - 0.5) < 0.02


def test_make_linear_regression_deterministic():
    a = data.make_linear_regression(10, 2, rng=3)
    b = data.make_linear_regression(10, 2, rng=np.random.default_rng(3))
    c = data.make_linear_regression(10, 2, rng=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_make_polynomial_regression():
    x, y = data.make_polynomial_regression(50, degree=3, noise=0.0, rng=0, x_range=(-2, 3))
    assert x.shape == y.shape == (50,)
    assert x.min() >= -2 and x.max() <= 3
    # noise-free targets are a cubic: a degree-3 least-squares fit leaves no residual
    coef = np.polynomial.polynomial.polyfit(x, y, 3)
    np.testing.assert_allclose(np.polynomial.polynomial.polyval(x, coef), y, atol=1e-10)
    x2, y2 = data.make_polynomial_regression(50, degree=3, noise=0.0, rng=0, x_range=(-2, 3))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    with pytest.raises(ValueError, match="x_range"):
        data.make_polynomial_regression(5, x_range=(1, 1))


def test_polynomial_features_columns():
    x = np.array([-2.0, 0.5, 3.0])
    P = data.polynomial_features(x, 4)
    assert P.shape == (3, 4)
    for k in range(1, 5):
        np.testing.assert_array_equal(P[:, k - 1], x**k)
    np.testing.assert_array_equal(data.polynomial_features(x[:, None], 4), P)
    assert data.polynomial_features(x, 0).shape == (3, 0)
    with pytest.raises(ValueError, match=r"\(n,\) or \(n, 1\)"):
        data.polynomial_features(np.ones((3, 2)), 2)
    with pytest.raises(TypeError):
        data.polynomial_features(x, 2.0)


# -------------------------------------------------------------------------- classification
@pytest.mark.parametrize("dim", [1, 2, 5])
def test_make_blobs(dim):
    X, y = data.make_blobs(30, num_classes=4, dim=dim, spread=0.5, rng=0)
    assert X.shape == (120, dim) and X.dtype == np.float64
    assert y.shape == (120,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [30] * 4)
    assert not np.all(np.diff(y) >= 0), "samples should come shuffled"
    means = np.array([X[y == c].mean(axis=0) for c in range(4)])
    if dim == 1:
        np.testing.assert_allclose(means[:, 0], [-4.5, -1.5, 1.5, 4.5], atol=0.3)
    else:  # centres on the circle of radius 3 in the first two coordinates
        np.testing.assert_allclose(np.hypot(means[:, 0], means[:, 1]), 3.0, atol=0.3)
        np.testing.assert_allclose(means[:, 2:], 0.0, atol=0.3)
    X2, y2 = data.make_blobs(30, num_classes=4, dim=dim, spread=0.5, rng=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


# ------------------------------------------------------------------------ split/standardize
def test_split_sizes_disjoint_and_aligned():
    n = 1797
    X = np.arange(n, dtype=float)[:, None] * np.ones((1, 3))
    y = np.arange(n)
    parts = data.split(X, y, rng=0)
    assert [len(p[1]) for p in parts] == [1078, 360, 359]
    ids = np.concatenate([p[1] for p in parts])
    np.testing.assert_array_equal(np.sort(ids), np.arange(n))  # disjoint and covering
    for Xp, yp in parts:
        np.testing.assert_array_equal(Xp[:, 0], yp)  # rows stay with their labels
    again = data.split(X, y, rng=0)
    for (a, b), (c, d) in zip(parts, again):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert not np.array_equal(parts[0][1], data.split(X, y, rng=1)[0][1])


def test_split_other_fractions_and_errors():
    X, y = np.zeros((10, 2)), np.arange(10)
    parts = data.split(X, y, fractions=(0.75, 0.25), rng=0)
    assert [len(p[1]) for p in parts] == [8, 2]
    x1 = np.arange(10.0)  # a single feature (n,) also works
    assert sum(len(p[0]) for p in data.split(x1, y, rng=0)) == 10
    with pytest.raises(ValueError, match="add up to 1"):
        data.split(X, y, fractions=(0.5, 0.2))
    with pytest.raises(ValueError, match=r"\(10, 2\).*\(9,\)"):
        data.split(X, y[:9])


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    Xtr = rng.normal(5.0, 3.0, size=(100, 3))
    Xte = rng.normal(-2.0, 0.5, size=(40, 3))
    Xtr0, Xte0 = Xtr.copy(), Xte.copy()
    Str, Ste = data.standardize(Xtr, Xte)
    np.testing.assert_allclose(Str.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Str.std(axis=0), 1.0)
    np.testing.assert_allclose(Ste, (Xte - Xtr.mean(axis=0)) / Xtr.std(axis=0))
    assert abs(Ste.mean()) > 1  # the test set is not re-centred on itself
    np.testing.assert_array_equal(Xtr, Xtr0)  # inputs untouched
    np.testing.assert_array_equal(Xte, Xte0)


def test_standardize_constant_feature_and_single_array():
    X = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    out = data.standardize(X)
    assert isinstance(out, tuple) and len(out) == 1
    np.testing.assert_array_equal(out[0][:, 1], 0.0)  # centred, not divided by 0
    assert np.all(np.isfinite(out[0]))
    with pytest.raises(ValueError, match="features"):
        data.standardize(X, np.ones((2, 3)))


# ---------------------------------------------------------------------------------- loaders
@pytest.mark.parametrize(
    "loader, shape, classes",
    [
        (data.load_digits, (1797, 64), 10),
        (data.load_iris, (150, 4), 3),
        (data.load_breast_cancer, (569, 30), 2),
    ],
)
def test_loaders(loader, shape, classes):
    X, y = loader()
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],) and y.dtype.kind == "i"
    np.testing.assert_array_equal(np.unique(y), np.arange(classes))


def test_loader_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `from sklearn import ...` fail
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        data.load_iris()


def test_importing_nndl_data_does_not_import_sklearn():
    code = "import sys, nndl.data, nndl.linear; assert 'sklearn' not in sys.modules, 'sklearn imported'"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be >= 1"):
        data.make_linear_regression(0, 2)
    with pytest.raises(ValueError, match="noise"):
        data.make_linear_regression(5, 2, noise=-1)
    with pytest.raises(ValueError, match="num_classes"):
        data.make_blobs(5, num_classes=1)


def test_legendre_features_span_the_monomials():
    x = np.linspace(-1, 1, 25)
    P, M = data.legendre_features(x, 4), data.polynomial_features(x, 4)
    assert P.shape == (25, 4)
    np.testing.assert_allclose(P[:, 0], x)  # P_1(x) = x
    A, B = np.column_stack([np.ones(25), P]), np.column_stack([np.ones(25), M])
    coef = np.linalg.lstsq(A, B, rcond=None)[0]  # same column space
    np.testing.assert_allclose(A @ coef, B, atol=1e-12)
    assert np.linalg.cond(A.T @ A) < np.linalg.cond(B.T @ B)


def test_legendre_features_validate_like_polynomial_features():
    np.testing.assert_allclose(
        data.legendre_features(np.array([[0.5], [-1.0]]), 2), [[0.5, -0.125], [-1.0, 1.0]]
    )  # P2(x) = (3x² − 1)/2
    assert data.legendre_features(np.zeros(3), 0).shape == (3, 0)
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, 1\)"):
        data.legendre_features(np.zeros((3, 2)), 2)
