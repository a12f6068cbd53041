"""Tests for nndl.conv: reference vs fast kernels, finite differences, the draft's formulas, LeNet-5."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nndl import conv, draft, nn, optim
from nndl.gradcheck import numerical_gradient, relative_error
from nndl.training import fit

TOL = 1e-7


def _rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------------- 1-D
@pytest.mark.parametrize("n,m", [(7, 3), (5, 5), (9, 1), (4, 2)])
@pytest.mark.parametrize("mode,np_mode", [("narrow", "valid"), ("wide", "full")])
def test_conv1d_matches_reference_and_numpy(n, m, mode, np_mode):
    rng = _rng(n * m)
    x, f = rng.normal(size=n), rng.normal(size=m)
    y = conv.conv1d(x, f, mode)
    np.testing.assert_allclose(y, conv.conv1d_reference(x, f, mode), atol=1e-12)
    np.testing.assert_allclose(y, np.convolve(x, f, np_mode), atol=1e-12)
    assert y.size == (n - m + 1 if mode == "narrow" else n + m - 1)


def test_conv1d_moving_average_erratum_45():
    """f_k = 1/m (not 1/n) makes (6.1) the moving average over m samples."""
    x = np.arange(10.0)
    y = conv.conv1d(x, np.full(3, 1 / 3))
    np.testing.assert_allclose(y, [np.mean(x[t : t + 3]) for t in range(8)])


def test_conv1d_errors():
    with pytest.raises(ValueError, match="narrow"):
        conv.conv1d(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="mode"):
        conv.conv1d(np.ones(4), np.ones(3), mode="same")


# ------------------------------------------------------------------------------------- 2-D
SHAPES = [  # N, C, H, W, K, kh, kw, stride, padding
    (1, 1, 5, 5, 1, 3, 3, 1, 0),
    (2, 3, 7, 8, 4, 3, 2, 1, 0),
    (2, 2, 9, 7, 3, 3, 3, 2, 1),
    (3, 1, 8, 8, 2, 5, 5, 1, 2),
    (1, 4, 10, 9, 5, 4, 3, 3, 2),
    (2, 3, 6, 6, 2, 1, 1, 2, 0),
]


def assert_correlate2d_matches_reference(shape, rng):
    """Fast and vectorized forward and backward, im2col/col2im against the loop references for
    one geometry (N, C, H, W, K, kh, kw, stride, padding); N may be 0."""
    N, C, H, W, K, kh, kw, s, p = shape
    x, w = rng.normal(size=(N, C, H, W)), rng.normal(size=(K, C, kh, kw))
    y = conv.correlate2d(x, w, s, p)
    assert y.shape == (N, K, conv.output_size(H, kh, s, p), conv.output_size(W, kw, s, p))
    y_r = conv.correlate2d_reference(x, w, s, p)
    np.testing.assert_allclose(y, y_r, atol=1e-12)
    dy = rng.normal(size=y.shape)
    dx, dw = conv.correlate2d_backward(dy, x, w, s, p)
    dx_r, dw_r = conv.correlate2d_backward_reference(dy, x, w, s, p)
    assert dx.shape == x.shape and dw.shape == w.shape
    np.testing.assert_allclose(dx, dx_r, atol=1e-12)
    np.testing.assert_allclose(dw, dw_r, atol=1e-12)
    # the readable vectorized form against both the loop reference and the tuned engine
    y_v = conv.correlate2d_vectorized(x, w, s, p)
    dx_v, dw_v, db_v = conv.correlate2d_backward_vectorized(dy, x, w, s, p)
    for got, reference, tuned in ((y_v, y_r, y), (dx_v, dx_r, dx), (dw_v, dw_r, dw)):
        assert got.shape == reference.shape
        np.testing.assert_allclose(got, reference, atol=1e-12)
        np.testing.assert_allclose(got, tuned, atol=1e-12)
    np.testing.assert_allclose(db_v, dy.sum(axis=(0, 2, 3)), atol=1e-12)
    cols = conv.im2col(x, kh, kw, s, p)
    assert cols.shape == (N, C * kh * kw, y.shape[2] * y.shape[3])
    c = rng.normal(size=cols.shape)
    assert np.sum(cols * c) == pytest.approx(np.sum(x * conv.col2im(c, x.shape, kh, kw, s, p)), abs=1e-9)


@pytest.mark.parametrize("shape", SHAPES)
def test_correlate2d_fast_equals_reference(shape):
    assert_correlate2d_matches_reference(shape, _rng(sum(shape)))


@st.composite
def geometries(draw):
    """(N, C, H, W, K, kh, kw, stride, padding) with N = 0..3 and a kernel that fits."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    H = draw(st.integers(max(1, kh - 2 * padding), 9))
    W = draw(st.integers(max(1, kw - 2 * padding), 9))
    N, C, K = draw(st.integers(0, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return N, C, H, W, K, kh, kw, stride, padding


@settings(max_examples=60, deadline=None)
@given(geometries(), st.integers(0, 2**16))
def test_correlate2d_fast_equals_reference_on_random_geometries(shape, seed):
    assert_correlate2d_matches_reference(shape, _rng(seed))


@pytest.mark.parametrize("shape", SHAPES[:4])
def test_correlate2d_backward_matches_finite_differences(shape):
    N, C, H, W, K, kh, kw, s, p = shape
    rng = _rng(1 + sum(shape))
    x, w = rng.normal(size=(N, C, H, W)), rng.normal(size=(K, C, kh, kw))
    dy = rng.normal(size=conv.correlate2d(x, w, s, p).shape)
    dx, dw = conv.correlate2d_backward(dy, x, w, s, p)
    ndx = numerical_gradient(lambda v: np.sum(conv.correlate2d(v, w, s, p) * dy), x.copy())
    ndw = numerical_gradient(lambda v: np.sum(conv.correlate2d(x, v, s, p) * dy), w.copy())
    assert relative_error(dx, ndx) < TOL
    assert relative_error(dw, ndw) < TOL


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_convolve2d_is_correlation_with_rot180(mode):
    """The draft's ⊗ (6.2) flips the kernel: convolve2d(x, w) = correlate2d(x, rot180(w))."""
    rng = _rng(3)
    x, w = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    pad = 0 if mode == "valid" else None
    y = conv.convolve2d(x, w, mode)
    np.testing.assert_allclose(y, conv.convolve2d_reference(x, w, mode), atol=1e-12)
    if pad == 0:
        np.testing.assert_allclose(y, conv.correlate2d(x, conv.rot180(w).copy()), atol=1e-12)
        assert not np.allclose(y, conv.correlate2d(x, w))  # an asymmetric kernel: they differ
    else:
        xp = np.pad(x, ((0, 0), (0, 0), (2, 2), (1, 1)))
        np.testing.assert_allclose(y, conv.correlate2d(xp, conv.rot180(w).copy()), atol=1e-12)


def test_convolve2d_single_image_mean_filter():
    """(6.2) with f_uv = 1/(mn) is the mean filter; 2-D inputs give a 2-D output."""
    img = _rng(4).normal(size=(6, 7))
    y = conv.convolve2d(img, np.full((2, 3), 1 / 6))
    assert y.shape == (5, 5)
    np.testing.assert_allclose(y[1, 2], img[1:3, 2:5].mean())
    sp = pytest.importorskip("scipy.signal")
    k = _rng(5).normal(size=(3, 2))
    np.testing.assert_allclose(conv.convolve2d(img, k), sp.convolve2d(img, k, "valid"), atol=1e-12)
    np.testing.assert_allclose(conv.convolve2d(img, k, "full"), sp.convolve2d(img, k, "full"), atol=1e-12)
    np.testing.assert_allclose(conv.correlate2d(img, k), sp.correlate2d(img, k, "valid"), atol=1e-12)


def test_im2col_col2im_are_adjoint():
    rng = _rng(6)
    x = rng.normal(size=(2, 3, 8, 7))
    cols = conv.im2col(x, 3, 2, 2, 1)
    c = rng.normal(size=cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * conv.col2im(c, x.shape, 3, 2, 2, 1))
    assert abs(lhs - rhs) < 1e-10 * abs(lhs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_input(dtype):
    rng = _rng(7)
    layer = conv.Conv2D(2, 3, 3, rng=0, dtype=dtype)
    y = layer.forward(rng.normal(size=(2, 2, 6, 6)).astype(dtype))
    assert y.dtype == dtype
    assert layer.backward(np.ones_like(y)).dtype == dtype
    assert layer.grads["W"].dtype == dtype
    assert conv.max_pool2d(y).dtype == dtype


# ---------------------------------------------------------------------------------- pooling
def assert_pooling_matches_reference(x, size, rng):
    """Fast max/avg pooling and their backward passes against the loop references."""
    mp, ap = conv.max_pool2d(x, size), conv.avg_pool2d(x, size)
    np.testing.assert_array_equal(mp, conv.max_pool2d_reference(x, size))
    np.testing.assert_allclose(ap, conv.avg_pool2d_reference(x, size), atol=1e-14)
    dy = rng.normal(size=mp.shape)
    np.testing.assert_array_equal(
        conv.max_pool2d_backward(dy, x, mp, size), conv.max_pool2d_backward_reference(dy, x, size)
    )
    np.testing.assert_allclose(
        conv.avg_pool2d_backward(dy, x.shape, size),
        conv.avg_pool2d_backward_reference(dy, x.shape, size),
        atol=1e-14,
    )


@pytest.mark.parametrize("size,H,W", [(2, 6, 6), (2, 7, 5), (3, 9, 7), (1, 3, 3)])
def test_pooling_fast_equals_reference(size, H, W):
    rng = _rng(size * H)
    x = rng.normal(size=(2, 3, H, W))
    x[0, 0, :2, :2] = 1.5  # ties: the first maximum gets the gradient
    assert_pooling_matches_reference(x, size, rng)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 3),
    st.integers(1, 3),
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 3),
    st.integers(0, 2**16),
)
def test_pooling_fast_equals_reference_on_random_shapes(N, C, H, W, size, seed):
    if H < size or W < size:
        with pytest.raises(ValueError, match="larger"):
            conv.max_pool2d(np.ones((N, C, H, W)), size)
        return
    rng = _rng(seed)
    assert_pooling_matches_reference(rng.normal(size=(N, C, H, W)), size, rng)


def test_connection_table_keeps_unconnected_filters_at_zero():
    table = np.array([[1, 0], [0, 1], [1, 1]], dtype=bool)
    layer = conv.Conv2D(3, 2, 3, table=table, rng=0)
    assert np.all(layer.params["W"][0, 1] == 0) and np.all(layer.params["W"][1, 0] == 0)
    assert layer.num_trainable == 4 * 9 + 2  # K·uv + n_l, (6.9)
    x = _rng(9).normal(size=(2, 3, 5, 5))
    layer.params["W"][0, 1] = 5.0  # a stray value in an unconnected filter is ignored
    y = layer.forward(x)
    ref = (
        conv.correlate2d_reference(x, layer.params["W"] * table.T[:, :, None, None])
        + layer.params["b"][:, None, None]
    )
    np.testing.assert_allclose(y, ref, atol=1e-12)
    layer.backward(np.ones_like(y))
    assert np.all(layer.grads["W"][0, 1] == 0)


def test_lenet_c3_table_is_figure_6_5():
    T = conv.LENET_C3_TABLE
    assert T.shape == (6, 16) and T.sum() == 60
    assert list(T.sum(axis=0)) == [3] * 6 + [4] * 9 + [6]
    assert list(np.flatnonzero(T[:, 0])) == [0, 1, 2] and list(np.flatnonzero(T[:, 5])) == [0, 1, 5]
    assert list(np.flatnonzero(T[:, 12])) == [0, 1, 3, 4] and list(np.flatnonzero(T[:, 14])) == [0, 2, 3, 5]


# ------------------------------------------------------------------------------------ LeNet-5
def test_lenet5_summary_counts():
    net = conv.LeNet5(rng=0)
    rows = {name: (shape, p, c) for name, _, shape, p, c in net.summary_rows()}
    assert rows["C1"] == ((6, 28, 28), 156, 122_304)
    assert rows["S2"] == ((6, 14, 14), 12, 5_880)  # erratum 51: not 122,304
    assert rows["C3"] == ((16, 10, 10), 1_516, 151_600)
    assert rows["S4"] == ((16, 5, 5), 32, 2_000)  # erratum 52: 16×25×5, not 16×5
    assert rows["C5"] == ((120, 1, 1), 48_120, 48_120)
    assert rows["F6"] == ((84,), 10_164, 10_164)
    text = net.summary()
    assert "122,304" in text and "151,600" in text and "5,880" in text
    # it fits the 76-character output box of the site
    assert max(len(line) for line in text.splitlines()) <= 76
    assert "Conv2D 6→16, 5×5, table" in text


def test_lenet5_end_to_end_gradient_matches_finite_differences():
    net = conv.LeNet5(rng=1)
    rng = _rng(10)
    for p in net.params.values():  # move biases and subsampling weights off their start
        p += rng.normal(scale=0.05, size=p.shape) * (p != 0)
    for layer in net.layers:
        if isinstance(layer, conv.Conv2D) and layer.mask is not None:
            layer.params["W"] *= layer.mask
    X = rng.normal(size=(2, 1, 32, 32))
    y = np.array([3, 7])
    loss = nn.SoftmaxCrossEntropy()
    _, grads = nn.loss_and_grads(net, X, y, loss)
    params = net.params
    for name in ["1.W", "1.b", "3.w", "3.b", "5.W", "7.w", "9.b", "12.W", "14.b"]:
        p = params[name]
        flat = p.reshape(-1)
        idx = rng.choice(
            np.flatnonzero(flat != 0) if name == "5.W" else np.arange(flat.size),
            size=min(6, flat.size),
            replace=False,
        )
        for i in idx:
            orig = flat[i]
            flat[i] = orig + 1e-5
            fp = nn.objective(net, X, y, loss)
            flat[i] = orig - 1e-5
            fm = nn.objective(net, X, y, loss)
            flat[i] = orig
            num = (fp - fm) / 2e-5
            assert abs(num - grads[name].reshape(-1)[i]) < 1e-7 + 1e-5 * abs(num), (name, i)


def test_lenet5_accepts_rows_and_trains_with_fit():
    net = conv.LeNet5(rng=0)
    X = _rng(11).normal(size=(20, 1024))
    y = np.arange(20) % 10
    h = fit(net, X, y, optim.Adam(lr=3e-3), epochs=3, batch_size=10, rng=0)
    assert h["train_loss"][-1] < h["train_loss"][0]
    np.testing.assert_allclose(net.forward(X), net.forward(X.reshape(20, 1, 32, 32)))
    maps = net.feature_maps(X[:1])
    assert maps["C1"].shape == (1, 6, 28, 28) and maps["C3"].shape == (1, 16, 10, 10)


# ------------------------------------------------------------- the draft's gradient formulas
def _conv_setup(seed=12, H=7, u=3):
    rng = _rng(seed)
    X = rng.normal(size=(H, H))  # X^(l−1,p)
    Wd = rng.normal(size=(u, u))  # draft filter W^(l,k,p) (⊗ convention)
    delta = rng.normal(size=(H - u + 1, H - u + 1))
    return X, Wd, delta


def test_draft_filter_gradients_622_to_625_equal_fast_backward():
    """(6.22), corrected (6.23) and (6.24) all equal ∂J/∂W from the fast backward (after rot180,
    since Conv2D stores the cross-correlation filter); (6.25) equals the bias gradient."""
    X, Wd, delta = _conv_setup()
    layer = conv.Conv2D(1, 1, 3, rng=0)
    layer.params["W"][0, 0] = conv.rot180(Wd)
    z = layer.forward(X[None, None])
    np.testing.assert_allclose(z[0, 0] - layer.params["b"][0], conv.convolve2d(X, Wd), atol=1e-12)
    layer.backward(delta[None, None])
    fast = conv.rot180(layer.grads["W"][0, 0])  # gradient w.r.t. the draft filter
    for g in (
        draft.filter_grad_622(X, delta, 3, 3),
        draft.filter_grad_623(X, delta, 3, 3),
        draft.filter_grad_624(X, delta),
    ):
        np.testing.assert_allclose(g, fast, atol=1e-12)
    assert draft.bias_grad_625(delta) == pytest.approx(layer.grads["b"][0])
    with pytest.raises(IndexError, match="outside"):  # erratum 54: printed indices are <= 0
        draft.filter_grad_623(X, delta, 3, 3, printed=True)


def test_draft_filter_gradient_matches_finite_differences():
    X, Wd, delta = _conv_setup(13)
    num = numerical_gradient(lambda v: np.sum(conv.convolve2d(X, v) * delta), Wd.copy())
    assert relative_error(draft.filter_grad_622(X, delta, 3, 3), num) < TOL


def test_draft_pool_delta_629_corrected_equals_fast_backward():
    """(6.29) corrected (erratum 55): δ^(l,k) = f′ ⊙ Σ_{q: T_kq} δ^(l+1,q) ⊗̃ rot180(W^(l+1,q,k));
    without rot180 it is wrong."""
    rng = _rng(14)
    table = np.array([[1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 1]], dtype=bool)  # (P=3, Q=4)
    layer = conv.Conv2D(3, 4, 3, table=table, rng=0)
    X = rng.normal(size=(1, 3, 6, 6))
    Z = layer.forward(X)
    delta_next = rng.normal(size=Z.shape)
    dX = layer.backward(delta_next)
    Wd = np.ascontiguousarray(conv.rot180(layer.params["W"]))  # draft filters W^(l+1,q,p)
    fprime = np.ones((6, 6))
    for k in range(3):
        d = draft.pool_delta_629(fprime, delta_next[0], Wd, table, k)
        np.testing.assert_allclose(d, dX[0, k], atol=1e-12)
    wrong = sum(conv.convolve2d(delta_next[0, q], Wd[q, 0], "full") for q in range(4) if table[0, q])
    assert not np.allclose(wrong, dX[0, 0])


def test_draft_conv_delta_621_and_subsampling_grads_630_equal_fast_backward():
    """Conv layer l (tanh) followed by subsampling layer l+1: (6.20)–(6.21) with up = δ/|R|
    (erratum 53), and the subsampling layer's (6.30)–(6.31)."""
    rng = _rng(15)
    Z = rng.normal(size=(1, 2, 6, 6))
    sub = conv.Subsampling(2, 2)
    sub.params["w"][...] = [0.7, -1.3]
    act = nn.Activation("tanh")
    A = act.forward(Z)
    out = sub.forward(A)
    delta_next = rng.normal(size=out.shape)  # δ^(l+1) = ∂J/∂Z^(l+1)
    dZ = act.backward(sub.backward(delta_next))
    fprime = 1 - np.tanh(Z[0]) ** 2
    for k in range(2):
        d = draft.conv_delta_621(fprime[k], delta_next[0, k], sub.params["w"][k])
        np.testing.assert_allclose(d, dZ[0, k], atol=1e-12)
        gw, gb = draft.subsampling_grads_630(A[0, k], delta_next[0, k])
        assert gw == pytest.approx(sub.grads["w"][k]) and gb == pytest.approx(sub.grads["b"][k])


# ------------------------------------------------------------------------------------ errors
def test_errors_name_the_expected_shape():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        conv.correlate2d(np.ones((3, 5, 5)), np.ones((1, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"\(K, C, kh, kw\)"):
        conv.correlate2d(np.ones((1, 3, 5, 5)), np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="C = 2"):
        conv.correlate2d(np.ones((1, 3, 5, 5)), np.ones((1, 2, 2, 2)))
    with pytest.raises(ValueError, match="larger"):
        conv.correlate2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) with C = 1"):
        conv.Conv2D(1, 6, 5).forward(np.ones((2, 3, 32, 32)))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        conv.MaxPool2D(2).forward(np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        conv.Conv2D(3, 2, 3, table=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(N, 1, 32, 32\)"):
        conv.LeNet5(rng=0).forward(np.ones((2, 28, 28)))
    with pytest.raises(TypeError, match="stride"):
        conv.correlate2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 2, 2)), stride=1.5)
    with pytest.raises(RuntimeError, match="before forward"):
        conv.Conv2D(1, 1, 2).backward(np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="mode"):
        conv.convolve2d(np.ones((4, 4)), np.ones((2, 2)), "same")
    layer = conv.Conv2D(1, 2, 3)
    layer.forward(np.ones((1, 1, 5, 5)))
    with pytest.raises(ValueError, match="shape of the output"):
        layer.backward(np.ones((1, 2, 4, 4)))


def test_torch_oracle():
    torch = pytest.importorskip("torch")
    rng = _rng(16)
    x, w = rng.normal(size=(2, 3, 9, 8)), rng.normal(size=(4, 3, 3, 3))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=2, padding=1).numpy()
    np.testing.assert_allclose(conv.correlate2d(x, w, 2, 1), ref, atol=1e-12)
    ref = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2).numpy()
    np.testing.assert_array_equal(conv.max_pool2d(x), ref)


@pytest.mark.parametrize("shape", SHAPES)
def test_correlate2d_chunked_equals_reference(shape, monkeypatch):
    """With a tiny chunk budget every image gets its own im2col chunk; results must not change."""
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 1)
    N, C, H, W, K, kh, kw, s, p = shape
    rng = _rng(7 + sum(shape))
    x, w = rng.normal(size=(N + 2, C, H, W)), rng.normal(size=(K, C, kh, kw))
    y = conv.correlate2d(x, w, s, p)
    np.testing.assert_allclose(y, conv.correlate2d_reference(x, w, s, p), atol=1e-12)
    dy = rng.normal(size=y.shape)
    for fast, ref in zip(
        conv.correlate2d_backward(dy, x, w, s, p), conv.correlate2d_backward_reference(dy, x, w, s, p)
    ):
        np.testing.assert_allclose(fast, ref, atol=1e-12)


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_conv2d_results_do_not_depend_on_the_number_of_threads(threads, monkeypatch):
    rng = _rng(11)
    x = rng.normal(size=(9, 6, 14, 14))
    dy = rng.normal(size=(9, 16, 10, 10))

    def run():
        layer = conv.Conv2D(6, 16, 5, rng=0)
        return layer.forward(x), layer.backward(dy), layer.grads["W"]

    monkeypatch.setenv("NNDL_NUM_THREADS", "1")
    expected = run()
    monkeypatch.setenv("NNDL_NUM_THREADS", threads)
    for got, want in zip(run(), expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_bad_thread_count_is_a_clear_error(value, monkeypatch):
    monkeypatch.setenv("NNDL_NUM_THREADS", value)
    with pytest.raises(ValueError, match="NNDL_NUM_THREADS must be a positive integer"):
        conv.correlate2d(np.ones((2, 6, 14, 14)), np.ones((16, 6, 5, 5)))  # C3: split over threads


def test_vectorized_forms_check_inputs_and_accept_single_images():
    img, k = _rng(17).normal(size=(6, 7)), _rng(18).normal(size=(3, 2))
    np.testing.assert_allclose(conv.correlate2d_vectorized(img, k), conv.correlate2d(img, k), atol=1e-12)
    with pytest.raises(ValueError, match="C = 2"):
        conv.correlate2d_vectorized(np.ones((1, 3, 5, 5)), np.ones((1, 2, 2, 2)))
    with pytest.raises(ValueError, match="larger"):
        conv.correlate2d_vectorized(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"output's shape \(N, K, H', W'\) = \(1, 1, 4, 4\)"):
        conv.correlate2d_backward_vectorized(
            np.ones((1, 1, 3, 3)), np.ones((1, 1, 5, 5)), np.ones((1, 1, 2, 2))
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vectorized_forms_keep_the_dtype(dtype):
    rng = _rng(19)
    x, w = rng.normal(size=(2, 3, 8, 8)).astype(dtype), rng.normal(size=(4, 3, 3, 3)).astype(dtype)
    y = conv.correlate2d_vectorized(x, w, 2, 1)
    assert y.dtype == dtype
    assert all(a.dtype == dtype for a in conv.correlate2d_backward_vectorized(y, x, w, 2, 1))


def test_window_view_holds_every_window_and_copies_nothing():
    x = _rng(20).normal(size=(2, 3, 7, 6))
    win = conv.window_view(x, 3, 2, stride=2, padding=1)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    assert win.shape == (2, 3, 4, 4, 3, 2) and not win.flags.writeable
    for s in range(4):
        for t in range(4):
            np.testing.assert_array_equal(win[:, :, s, t], xp[:, :, 2 * s : 2 * s + 3, 2 * t : 2 * t + 2])
    with pytest.raises(ValueError, match="larger"):
        conv.window_view(x, 9, 2)
