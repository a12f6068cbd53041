"""Small datasets made in code or shipped by a dependency: nothing is downloaded at run time.

Every generator takes ``rng``: a ``numpy.random.Generator``, an integer seed, or ``None`` (fresh
entropy), as accepted by ``np.random.default_rng``.  The same seed always gives the same data.
Arrays are batch first: ``X`` is ``(N, D)`` float64 and class labels ``y`` are int64 indices ``(N,)``.

The real datasets (`load_digits`, `load_iris`, `load_breast_cancer`) are the copies bundled with
scikit-learn, which is imported only when a loader is called, so ``import nndl.data`` stays light.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import as_count as _count
from ._validation import as_real_array, require_finite

__all__ = [
    "make_linear_regression",
    "make_polynomial_regression",
    "polynomial_features",
    "legendre_features",
    "make_blobs",
    "split",
    "standardize",
    "load_digits",
    "load_iris",
    "load_breast_cancer",
    "resize_bilinear",
    "load_digits_32",
    "read_idx",
]


def _nonnegative(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite real number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return float(value)


# ------------------------------------------------------------------------------ regression
def make_linear_regression(n: int, d: int, noise: float = 0.1, rng=None):
    """Samples of the linear model y = wᵀx + b + ε, eq. (3.28), with ε ~ N(0, noise²).

    x ~ N(0, I_d); the true weights w ~ N(0, I_d) and bias b ~ N(0, 1) are drawn from ``rng`` too.
    Returns ``X (n, d), y (n,), w_true (d,), b_true`` (a Python float).  With ``noise=0`` the
    targets are exactly ``X @ w_true + b_true``.
    """
    n, d = _count(n, "n"), _count(d, "d", minimum=0)
    noise = _nonnegative(noise, "noise")
    rng = np.random.default_rng(rng)
    w_true = rng.standard_normal(d)
    b_true = float(rng.standard_normal())
    X = rng.standard_normal((n, d))
    y = X @ w_true + b_true
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    return X, y, w_true, b_true


def make_polynomial_regression(n: int, degree: int = 3, noise: float = 0.1, rng=None, x_range=(-1, 1)):
    """Noisy samples of a random polynomial: y = Σ_{k=0}^{degree} a_k x^k + ε, ε ~ N(0, noise²).

    x is uniform on ``x_range`` (not sorted); the coefficients a_k ~ N(0, 1).  Returns ``x (n,), y (n,)``.
    Fit it with ``polynomial_features(x, p)`` and a linear model to see under- and over-fitting.
    """
    n, degree = _count(n, "n"), _count(degree, "degree", minimum=0)
    noise = _nonnegative(noise, "noise")
    lo, hi = (float(v) for v in x_range)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"x_range must be (low, high) with finite low < high, got {x_range!r}")
    rng = np.random.default_rng(rng)
    coef = rng.standard_normal(degree + 1)  # a_0, ..., a_degree
    x = rng.uniform(lo, hi, size=n)
    y = np.polynomial.polynomial.polyval(x, coef)
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    return x, y


def _single_feature(x) -> np.ndarray:
    x = as_real_array(x, "x")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"x must have shape (n,) or (n, 1) (one feature), got shape {x.shape}")
    return require_finite(x, "x")


def polynomial_features(x, degree: int):
    """Columns x, x², ..., x^degree of a single feature: (n,) or (n, 1) -> (n, degree).

    No constant column: the models add the bias themselves (the augmented x̂ of (3.30)).
    ``degree=0`` gives an (n, 0) array, i.e. a model with a bias only.
    """
    x = _single_feature(x)
    degree = _count(degree, "degree", minimum=0)
    return x[:, None] ** np.arange(1, degree + 1)


def legendre_features(x, degree: int):
    """Columns P₁(x), …, P_degree(x) (Legendre polynomials; no constant column): (n, degree).

    They span the same polynomials as `polynomial_features` but are far better conditioned on
    [−1, 1], so gradient descent reaches the least-squares fit in a reasonable number of steps.
    """
    x = _single_feature(x)
    degree = _count(degree, "degree", minimum=0)
    return np.polynomial.legendre.legvander(x, degree)[:, 1:]


# ---------------------------------------------------------------------------- classification
def make_blobs(n_per_class: int, num_classes: int = 3, dim: int = 2, spread: float = 1.0, rng=None):
    """Gaussian clusters, one per class: x ~ N(μ_c, spread² I), ``n_per_class`` samples each.

    The centres μ_c lie evenly on a circle of radius 3 in the first two coordinates (turned by a
    random angle; other coordinates 0), or at 3c − 3(C−1)/2 on a line when ``dim=1``.  Adjacent
    centres are 6 sin(π/C) apart, so with ``spread=1`` two or three classes are nearly separable.
    Returns ``X (num_classes·n_per_class, dim)`` and int labels ``y``, in shuffled order.
    """
    n_per_class = _count(n_per_class, "n_per_class")
    num_classes = _count(num_classes, "num_classes", minimum=2)
    dim = _count(dim, "dim")
    spread = _nonnegative(spread, "spread")
    rng = np.random.default_rng(rng)
    centres = np.zeros((num_classes, dim))
    if dim == 1:
        centres[:, 0] = 3.0 * np.arange(num_classes) - 1.5 * (num_classes - 1)
    else:
        angle = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.arange(num_classes) / num_classes
        centres[:, 0], centres[:, 1] = 3.0 * np.cos(angle), 3.0 * np.sin(angle)
    y = np.repeat(np.arange(num_classes, dtype=np.int64), n_per_class)
    X = centres[y] + spread * rng.standard_normal((y.size, dim))
    order = rng.permutation(y.size)
    return X[order], y[order]


# ------------------------------------------------------------------------- splits and scaling
def split(X, y, fractions=(0.6, 0.2, 0.2), rng=None):
    """Shuffle the samples and cut them into parts of the given fractions (e.g. train/val/test).

    Returns a list of ``(X_part, y_part)`` tuples, one per fraction.  Part sizes are the rounded
    cumulative fractions, so they always add up to N; the parts are disjoint.  Not stratified.
    X may have any shape whose first axis is the sample axis.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X and y need a sample axis first; got shapes {X.shape} and {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples; got X of shape {X.shape} and y of shape {y.shape}"
        )
    fr = np.asarray(fractions, dtype=np.float64)
    if (
        fr.ndim != 1
        or fr.size == 0
        or np.any(~np.isfinite(fr))
        or np.any(fr < 0)
        or not np.isclose(fr.sum(), 1.0)
    ):
        raise ValueError(f"fractions must be non-negative numbers that add up to 1, got {fractions!r}")
    n = X.shape[0]
    bounds = np.rint(np.cumsum(fr) / fr.sum() * n).astype(np.int64)
    bounds[-1] = n
    order = np.random.default_rng(rng).permutation(n)
    parts = np.split(order, bounds[:-1])
    return [(X[idx], y[idx]) for idx in parts]


def standardize(X_train, *others):
    """Scale every feature to zero mean and unit variance using the **training** statistics only.

    Returns ``(X_train_std, *others_std)`` (always a tuple); the validation and test sets are
    transformed with the training mean and standard deviation, so no information leaks from them.
    A constant training feature (std 0) is only centred (its std is taken as 1).  NaN or inf in
    any array raise ValueError naming it and the first bad row (one NaN would turn a whole
    feature of every set into NaN).
    """
    X_train = as_real_array(X_train, "X_train")
    if X_train.ndim == 0 or X_train.shape[0] == 0:
        raise ValueError(f"X_train must have shape (N, D) with N >= 1, got shape {X_train.shape}")
    require_finite(X_train, "X_train")
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0).astype(mean.dtype, copy=False)
    out = [(X_train - mean) / std]
    for i, X in enumerate(others):
        X = as_real_array(X, f"others[{i}]")
        if X.ndim == 0 or X.shape[1:] != X_train.shape[1:]:
            raise ValueError(
                f"every array must have the features of X_train {X_train.shape[1:]}; "
                f"others[{i}] has shape {X.shape}"
            )
        require_finite(X, f"others[{i}]")
        out.append((X - mean) / std)
    return tuple(out)


# --------------------------------------------------------------------------------- loaders
def _sklearn_dataset(name: str):
    try:
        from sklearn import datasets
    except ImportError as exc:
        raise ImportError(
            f"nndl.data.{name}() uses the copy of the dataset bundled with scikit-learn; "
            "install it with `pip install scikit-learn`"
        ) from exc
    X, y = getattr(datasets, name)(return_X_y=True)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def load_digits():
    """Handwritten digits 0–9 (scikit-learn's copy of the UCI set).

    X (1797, 64): 8×8 pixels in 0..16; y (1797,).
    """
    return _sklearn_dataset("load_digits")


def load_iris():
    """Fisher's iris: X (150, 4) sepal/petal length and width in cm, y (150,) in {0, 1, 2}."""
    return _sklearn_dataset("load_iris")


def load_breast_cancer():
    """Wisconsin diagnostic breast cancer: X (569, 30), y (569,) with 0 = malignant, 1 = benign."""
    return _sklearn_dataset("load_breast_cancer")


# ------------------------------------------------------------- images for chapter 6 (LeNet-5)
def _linear_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix of 1-D linear interpolation between pixel centres.

    Output pixel o has its centre at (o + 0.5)·n_in/n_out − 0.5 in input pixel coordinates
    (the "half-pixel" convention of image libraries), clamped to [0, n_in − 1].
    """
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    A = np.zeros((n_out, n_in))
    A[np.arange(n_out), lo] += 1 - frac
    A[np.arange(n_out), hi] += frac
    return A


def resize_bilinear(images, size: int) -> np.ndarray:
    """Resize (..., h, w) images to (..., size, size) by separable bilinear interpolation.

    Each output pixel is the linear interpolation, along rows and then columns, of the input
    pixels whose centres surround its centre: ``A @ image @ Bᵀ`` with the interpolation
    matrices of `_linear_resize_matrix`.  Every row of A sums to 1, so constant images stay
    constant and the range of the values is kept.  ``size`` is an integer ≥ 1 (TypeError for
    2.0, ValueError for 0); NaN or inf pixels raise ValueError (the matrix products would
    spread one NaN over the whole image), as do images with an empty axis.
    """
    images = as_real_array(images, "images")
    if images.ndim < 2 or 0 in images.shape[-2:]:
        raise ValueError(f"images must have shape (..., h, w) with h, w >= 1, got shape {images.shape}")
    require_finite(images, "images")
    size = _count(size, "size")
    A = _linear_resize_matrix(images.shape[-2], size)
    B = _linear_resize_matrix(images.shape[-1], size)
    return A @ images @ B.T


def load_digits_32(size: int = 28, pad: int = 2):
    """scikit-learn's 8×8 digits brought to LeNet-5's 32×32 input: X (1797, 1, 32, 32), y (1797,).

    Resampling: the 8×8 images (values 0..16) are scaled to [0, 1], resized to ``size``×``size``
    (28×28 by default) by bilinear interpolation (`resize_bilinear`), and zero-padded by ``pad``
    pixels on every side to (size + 2·pad)² = 32×32.  This mirrors LeCun et al. (1998), whose
    MNIST digits sit in a 28×28 box centred in a 32×32 field, so that strokes reach the centre
    of the receptive fields of C3's and C5's units.  No new information is created: the
    images are smooth 8×8 digits, not MNIST.
    """
    size, pad = _count(size, "size"), _count(pad, "pad", minimum=0)
    X, y = load_digits()
    X = resize_bilinear(X.reshape(-1, 8, 8) / 16.0, size)
    X = np.pad(X, ((0, 0), (pad, pad), (pad, pad)))
    return X[:, None], y


#: IDX type codes (third byte of the magic number) -> big-endian NumPy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the format of the MNIST files), optionally gzip-compressed.

    The format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions d, then d big-endian uint32 sizes and
    the data in C order, big-endian.  ``train-images-idx3-ubyte`` gives (60000, 28, 28) uint8,
    ``train-labels-idx1-ubyte`` (60000,).  Values are returned in native byte order.
    """
    import gzip

    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (it must start with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(
            f"{path}: unknown IDX type code 0x{code:02X}; expected one of "
            f"{', '.join(f'0x{c:02X}' for c in _IDX_DTYPES)}"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions)")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: the header announces shape {shape} ({expected} bytes of data) "
            f"but the file holds {len(raw) - header} bytes after the header"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
