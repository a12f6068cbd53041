"""nndl.conv fails loudly (issue 13): no aliased results, checked entry points, empty batches,
float dtypes only, and Dense's dtype promotion.  Random geometries with N = 0..3 (hypothesis)
are in test_conv.py."""

import numpy as np
import pytest

from nndl import conv, draft, nn


def _rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------------- aliasing
# Every runner takes a Generator, draws inputs of FIXED shapes from it and returns the arrays
# handed to the caller.  Two calls with different generators must give independent arrays.
def _layer_runner(make, x_shape, same_layer):
    """forward, backward and the grads of a layer (one shared instance, or a new one per call)."""
    shared = make()

    def run(rng):
        layer = shared if same_layer else make()
        y = layer.forward(rng.normal(size=x_shape))
        dx = layer.backward(rng.normal(size=y.shape))
        return (y, dx, *layer.grads.values())

    return run


def _seq_runner(rng):
    net = nn.Sequential(conv.Conv2D(2, 2, 1, rng=0), conv.Conv2D(2, 2, 1, rng=1))
    y = net.forward(rng.normal(size=(2, 2, 5, 5)))
    dx = net.backward(rng.normal(size=y.shape))
    return (y, dx, *net.output_grads)


def _draft_runner(rng):
    X, delta = rng.normal(size=(6, 6)), rng.normal(size=(4, 4))
    Wn, dn = rng.normal(size=(2, 3, 3, 3)), rng.normal(size=(2, 4, 4))
    return (
        draft.filter_grad_622(X, delta, 3, 3),
        draft.filter_grad_623(X, delta, 3, 3),
        draft.filter_grad_624(X, delta),
        draft.conv_delta_621(rng.normal(size=(8, 8)), delta, 0.5),
        draft.pool_delta_629(rng.normal(size=(6, 6)), dn, Wn, k=1),
    )


def _pool_backward_runner(rng):
    x = rng.normal(size=(2, 3, 6, 6))
    dy = rng.normal(size=(2, 3, 3, 3))
    return (
        conv.max_pool2d_backward(dy, x, conv.max_pool2d(x)),
        conv.avg_pool2d_backward(dy, x.shape),
        conv.max_pool2d_backward_reference(dy, x),
        conv.avg_pool2d_backward_reference(dy, x.shape),
    )


def _kernel(fn, *shapes, **kw):
    return lambda rng: np.atleast_1d(fn(*(rng.normal(size=s) for s in shapes), **kw))


def _pair(fn, *shapes, **kw):
    return lambda rng: fn(*(rng.normal(size=s) for s in shapes), **kw)


ALIAS_CASES = {
    "correlate2d-1x1": _kernel(conv.correlate2d, (2, 3, 5, 5), (3, 3, 1, 1)),
    "correlate2d-pad": _kernel(conv.correlate2d, (2, 3, 6, 6), (4, 3, 3, 3), padding=1),
    "correlate2d-2d": _kernel(conv.correlate2d, (6, 6), (3, 3)),
    "correlate2d_reference": _kernel(conv.correlate2d_reference, (2, 3, 5, 5), (3, 3, 2, 2)),
    "correlate2d_backward-1x1": _pair(conv.correlate2d_backward, (2, 3, 5, 5), (2, 3, 5, 5), (3, 3, 1, 1)),
    "correlate2d_backward-3x3": _pair(conv.correlate2d_backward, (2, 4, 4, 4), (2, 3, 6, 6), (4, 3, 3, 3)),
    "correlate2d_backward-pad": _pair(
        conv.correlate2d_backward, (2, 4, 6, 6), (2, 3, 6, 6), (4, 3, 3, 3), padding=1
    ),
    "correlate2d_backward-stride": _pair(
        conv.correlate2d_backward, (2, 4, 3, 3), (2, 3, 7, 7), (4, 3, 3, 3), stride=2
    ),
    "correlate2d_backward_reference": _pair(
        conv.correlate2d_backward_reference, (2, 4, 4, 4), (2, 3, 6, 6), (4, 3, 3, 3)
    ),
    "convolve2d-valid": _kernel(conv.convolve2d, (2, 3, 6, 6), (4, 3, 3, 3)),
    "convolve2d-full": _kernel(conv.convolve2d, (2, 3, 6, 6), (4, 3, 3, 3), mode="full"),
    "convolve2d_reference": _kernel(conv.convolve2d_reference, (1, 2, 4, 4), (2, 2, 2, 2)),
    "conv1d": _kernel(conv.conv1d, (7,), (3,)),
    "conv1d-wide": _kernel(conv.conv1d, (7,), (3,), mode="wide"),
    "conv1d_reference": _kernel(conv.conv1d_reference, (7,), (3,)),
    "im2col": _kernel(conv.im2col, (2, 3, 6, 6), kh=3, kw=3),
    "im2col-1x1": _kernel(conv.im2col, (2, 3, 6, 6), kh=1, kw=1),
    "col2im": _kernel(conv.col2im, (2, 27, 16), x_shape=(2, 3, 6, 6), kh=3, kw=3),
    "col2im-1x1": _kernel(conv.col2im, (2, 3, 36), x_shape=(2, 3, 6, 6), kh=1, kw=1),
    "max_pool2d": _kernel(conv.max_pool2d, (2, 3, 6, 6)),
    "max_pool2d-1": _kernel(conv.max_pool2d, (2, 3, 6, 6), size=1),
    "avg_pool2d": _kernel(conv.avg_pool2d, (2, 3, 6, 6)),
    "avg_pool2d-1": _kernel(conv.avg_pool2d, (2, 3, 6, 6), size=1),
    "max_pool2d_reference": _kernel(conv.max_pool2d_reference, (2, 3, 6, 6)),
    "avg_pool2d_reference": _kernel(conv.avg_pool2d_reference, (2, 3, 6, 6)),
    "pool-backward": _pool_backward_runner,
    "draft": _draft_runner,
    "filter_kernel": lambda rng: [conv.filter_kernel(name, 3) for name in conv.FILTERS],
    "sequential-two-1x1-convs": _seq_runner,
}
LAYERS = {
    "Conv2D-1x1": (lambda: conv.Conv2D(3, 3, 1, rng=0), (2, 3, 5, 5)),
    "Conv2D-5x5": (lambda: conv.Conv2D(3, 4, 5, rng=0), (2, 3, 9, 9)),
    "Conv2D-pad-stride": (lambda: conv.Conv2D(3, 4, 3, stride=2, padding=1, rng=0), (2, 3, 7, 7)),
    "Conv2D-table": (lambda: conv.Conv2D(3, 2, 3, table=[[1, 0], [0, 1], [1, 1]], rng=0), (2, 3, 6, 6)),
    "Conv2D-C5": (lambda: conv.Conv2D(4, 6, 5, rng=0), (3, 4, 5, 5)),
    "MaxPool2D": (lambda: conv.MaxPool2D(2), (2, 3, 6, 6)),
    "MaxPool2D-1": (lambda: conv.MaxPool2D(1), (2, 3, 6, 6)),
    "AvgPool2D": (lambda: conv.AvgPool2D(2), (2, 3, 6, 6)),
    "Subsampling": (lambda: conv.Subsampling(3, 2), (2, 3, 6, 6)),
    "Flatten": (lambda: conv.Flatten(), (2, 3, 4, 4)),
    "Reshape": (lambda: conv.Reshape((3, 4, 4)), (2, 48)),
    "LeNet5": (lambda: conv.LeNet5(rng=0), (2, 1, 32, 32)),
}
for _name, (_make, _shape) in LAYERS.items():
    ALIAS_CASES[_name] = _layer_runner(_make, _shape, same_layer=True)
    ALIAS_CASES[_name + "-new-instance"] = _layer_runner(_make, _shape, same_layer=False)


@pytest.mark.parametrize("name", sorted(ALIAS_CASES))
def test_results_never_alias_a_reusable_buffer(name):
    """The second call (same shapes, other values) leaves the first call's results untouched,
    and no result shares memory with a later one."""
    run = ALIAS_CASES[name]
    first = [np.asarray(a) for a in run(_rng(1))]
    kept = [a.copy() for a in first]
    second = [np.asarray(a) for a in run(_rng(2))]
    for k, (a, b) in enumerate(zip(first, kept)):
        np.testing.assert_array_equal(a, b, err_msg=f"{name}: result {k} changed by the next call")
    for i, a in enumerate(first):
        for j, b in enumerate(second):
            assert not np.shares_memory(a, b), f"{name}: result {i} of call 1 aliases result {j} of call 2"


def test_sequential_output_grads_with_two_1x1_convs():
    """The audit's example: output_grads[0] is dL/d(output of conv 0), not conv 0's dx."""
    c0, c1 = conv.Conv2D(2, 2, 1, rng=0), conv.Conv2D(2, 2, 1, rng=1)
    net = nn.Sequential(c0, c1)
    x = _rng(3).normal(size=(2, 2, 4, 4))
    a0 = c0.forward(x)
    dy = _rng(4).normal(size=a0.shape)
    want = np.einsum("kc,nkhw->nchw", c1.params["W"][:, :, 0, 0], dy)  # Wᵀ δ at every pixel
    net.forward(x)
    net.backward(dy)
    np.testing.assert_allclose(net.output_grads[0], want, atol=1e-12)


# ----------------------------------------------------------------------- checked entry points
X4, W4 = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))
DY4 = np.ones((2, 4, 6, 6))
P4 = np.ones((2, 3, 4, 4))  # pooled X4 (size 2)
BAD = [  # (call, exception, message pattern)
    (lambda: conv.output_size(5, 7), ValueError, "larger"),
    (lambda: conv.output_size(5, 3, 0), ValueError, "stride must be >= 1"),
    (lambda: conv.output_size(5, 3, 1, -1), ValueError, "padding must be >= 0"),
    (lambda: conv.output_size(5.0, 3), TypeError, "size must be an integer"),
    (lambda: conv.output_size(0, 1), ValueError, "size must be >= 1"),
    (lambda: conv.output_size(5, 0), ValueError, "kernel must be >= 1"),
    (lambda: conv.im2col(X4, 0, 3), ValueError, "kh must be >= 1"),
    (lambda: conv.im2col(X4, 3, 3, stride=0), ValueError, "stride"),
    (lambda: conv.im2col(X4, 3, 3, padding=-1), ValueError, "padding"),
    (lambda: conv.im2col(X4, 2.5, 2), TypeError, "kh"),
    (lambda: conv.im2col(X4, 9, 9), ValueError, "larger"),
    (lambda: conv.im2col(np.ones((3, 8, 8)), 3, 3), ValueError, r"\(N, C, H, W\)"),
    (lambda: conv.col2im(np.ones((2, 27, 35)), (2, 3, 8, 8), 3, 3), ValueError, r"\(2, 27, 36\)"),
    (lambda: conv.col2im(np.ones((2, 27, 36)), (2, 3, 8), 3, 3), ValueError, r"x_shape .*\(N, C, H, W\)"),
    (lambda: conv.col2im(np.ones((2, 27, 36)), (2, 3, 8, -8), 3, 3), ValueError, "x_shape"),
    (lambda: conv.col2im(np.ones((2, 27, 36)), (2, 3, 8, 8), 0, 3), ValueError, "kh"),
    (lambda: conv.col2im(np.ones((2, 27, 36), complex), (2, 3, 8, 8), 3, 3), TypeError, "cols"),
    (lambda: conv.max_pool2d(X4, 0), ValueError, "size must be >= 1"),
    (lambda: conv.max_pool2d(X4, 2.0), TypeError, "size"),
    (lambda: conv.max_pool2d(np.ones((8, 8))), ValueError, r"\(N, C, H, W\)"),
    (lambda: conv.max_pool2d(X4, 9), ValueError, "larger"),
    (lambda: conv.max_pool2d(X4.astype(complex)), TypeError, "x must be a real"),
    (lambda: conv.avg_pool2d(X4, -1), ValueError, "size"),
    (lambda: conv.avg_pool2d(np.ones((8, 8))), ValueError, r"\(N, C, H, W\)"),
    (lambda: conv.max_pool2d_reference(X4, 0), ValueError, "size"),
    (lambda: conv.avg_pool2d_reference(np.ones((8, 8))), ValueError, r"\(N, C, H, W\)"),
    (lambda: conv.max_pool2d_backward(np.ones((2, 3, 4, 3)), X4, P4), ValueError, r"dy .*\(2, 3, 4, 4\)"),
    (lambda: conv.max_pool2d_backward(P4, X4, np.ones((2, 3, 4))), ValueError, r"out .*\(2, 3, 4, 4\)"),
    (lambda: conv.max_pool2d_backward(P4, X4, P4, 3), ValueError, r"\(2, 3, 2, 2\)"),
    (lambda: conv.max_pool2d_backward(P4, np.ones((3, 8, 8)), P4), ValueError, r"\(N, C, H, W\)"),
    (lambda: conv.max_pool2d_backward(P4.astype(complex), X4, P4), TypeError, "dy"),
    (lambda: conv.avg_pool2d_backward(np.ones((2, 3, 4, 3)), X4.shape), ValueError, r"\(2, 3, 4, 4\)"),
    (lambda: conv.avg_pool2d_backward(P4, (2, 3, 8)), ValueError, "x_shape"),
    (lambda: conv.avg_pool2d_backward(P4, X4.shape, 0), ValueError, "size"),
    (lambda: conv.avg_pool2d_backward(P4, X4.shape, 2, np.int64), TypeError, "dtype"),
    (lambda: conv.max_pool2d_backward_reference(np.ones((2, 3, 4, 3)), X4), ValueError, r"\(2, 3, 4, 4\)"),
    (
        lambda: conv.avg_pool2d_backward_reference(np.ones((2, 3, 4, 3)), X4.shape),
        ValueError,
        r"\(2, 3, 4, 4\)",
    ),
    (lambda: conv.correlate2d(X4, np.ones((4, 3, 0, 3))), ValueError, r"\(K, C, kh, kw\)"),
    (lambda: conv.correlate2d(np.ones((2, 3, 0, 8)), W4), ValueError, r"\(N, C, H, W\)"),
    (lambda: conv.correlate2d(np.ones((8, 8)), W4), ValueError, r"\(H, W\)"),
    (lambda: conv.correlate2d_reference(X4, W4, stride=0), ValueError, "stride"),
    (lambda: conv.correlate2d_backward(np.ones((2, 4, 6, 5)), X4, W4), ValueError, r"\(2, 4, 6, 6\)"),
    (lambda: conv.correlate2d_backward(DY4, X4, W4, stride=0), ValueError, "stride"),
    (lambda: conv.correlate2d_backward(DY4, X4, W4, stride=1.5), TypeError, "stride"),
    (lambda: conv.correlate2d_backward(DY4, X4, W4, padding=-1), ValueError, "padding"),
    (lambda: conv.correlate2d_backward(DY4, X4, np.ones((4, 2, 3, 3))), ValueError, "C = 3"),
    (lambda: conv.correlate2d_backward(DY4, X4, np.ones((4, 3, 9, 9))), ValueError, "larger"),
    (lambda: conv.correlate2d_backward(DY4, X4.astype(complex), W4), TypeError, "x"),
    (
        lambda: conv.correlate2d_backward_reference(np.ones((2, 4, 6, 5)), X4, W4),
        ValueError,
        r"\(2, 4, 6, 6\)",
    ),
    (lambda: conv.correlate2d_backward_reference(DY4, [[1.0]], W4), ValueError, r"\(N, C, H, W\)"),
    (lambda: conv.correlate2d_backward_reference(DY4, X4, W4, stride=0), ValueError, "stride"),
    (lambda: conv.convolve2d(np.ones((6, 6)), np.ones((1, 1, 2, 2))), ValueError, r"\(H, W\)"),
    (lambda: conv.convolve2d_reference(np.ones((2, 2)), np.ones((3, 3))), ValueError, "larger"),
    (lambda: conv.convolve2d_reference(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), ValueError, "larger"),
    (lambda: conv.conv1d(np.ones((3, 3)), np.ones(2)), ValueError, r"\(n,\)"),
    (lambda: draft.filter_grad_622(np.ones((7, 7)), np.ones((5, 5)), 4, 3), ValueError, r"\(8, 7\)"),
    (lambda: draft.filter_grad_622(np.ones((7, 7)), np.ones((5, 5)), 0, 3), ValueError, "u"),
    (lambda: draft.filter_grad_622(np.ones((7, 7, 1)), np.ones((5, 5)), 3, 3), ValueError, r"X .*2-D"),
    (lambda: draft.filter_grad_623(np.ones((7, 7)), np.ones((5, 4)), 3, 3), ValueError, r"\(7, 6\)"),
    (lambda: draft.filter_grad_623(np.ones((7, 7)), np.ones(5), 3, 3), ValueError, "delta"),
    (lambda: draft.filter_grad_624(np.ones((4, 4)), np.ones((5, 5))), ValueError, "larger"),
    (lambda: draft.filter_grad_624(np.ones((4, 4)), np.ones((2, 2, 1))), ValueError, "delta"),
    (lambda: draft.bias_grad_625(np.ones(3, complex)), TypeError, "delta"),
    (lambda: draft.conv_delta_621(np.ones((6, 6)), np.ones((4, 4)), 1.0), ValueError, r"\(3, 3\)"),
    (lambda: draft.conv_delta_621(np.ones((6, 6)), np.ones((3, 3)), 1.0, 0), ValueError, "size"),
    (lambda: draft.conv_delta_621(np.ones((6, 6)), np.ones((3, 3)), "a"), TypeError, "w_next"),
    (
        lambda: draft.pool_delta_629(np.ones((6, 6)), np.ones((2, 4, 4)), np.ones((2, 3, 3))),
        ValueError,
        r"W_next .*\(Q, P, u, v\)",
    ),
    (
        lambda: draft.pool_delta_629(np.ones((6, 6)), np.ones((2, 4, 4)), np.ones((3, 3, 3, 3))),
        ValueError,
        "Q = 2",
    ),
    (
        lambda: draft.pool_delta_629(np.ones((5, 6)), np.ones((2, 4, 4)), np.ones((2, 3, 3, 3))),
        ValueError,
        r"\(6, 6\)",
    ),
    (
        lambda: draft.pool_delta_629(np.ones((6, 6)), np.ones((2, 4, 4)), np.ones((2, 3, 3, 3)), k=3),
        ValueError,
        "k",
    ),
    (
        lambda: draft.pool_delta_629(
            np.ones((6, 6)), np.ones((2, 4, 4)), np.ones((2, 3, 3, 3)), table=np.ones((2, 3))
        ),
        ValueError,
        r"table .*\(3, 2\)",
    ),
    (lambda: draft.subsampling_grads_630(np.ones((6, 6)), np.ones((2, 2))), ValueError, r"\(3, 3\)"),
    (lambda: draft.subsampling_grads_630(np.ones((6, 6)), np.ones((3, 3)), 0), ValueError, "size"),
    (lambda: conv.Conv2D(1, 2, 3, dtype=np.int32), TypeError, "dtype"),
    (lambda: conv.Conv2D(1, 2, 3, dtype=bool), TypeError, "dtype"),
    (lambda: conv.Subsampling(2, dtype=np.int64), TypeError, "dtype"),
    (lambda: conv.LeNet5(dtype=np.int16), TypeError, "dtype"),
    (lambda: conv.MaxPool2D(0), ValueError, "size"),
    (lambda: conv.Flatten().forward(np.ones(5)), ValueError, r"\(N, \.\.\.\)"),
    (lambda: conv.Reshape((1, -2)), ValueError, "shape"),
    (lambda: conv.Reshape(3), TypeError, "shape"),
    (lambda: conv.rot180(np.ones(3)), ValueError, "2 dimensions"),
]


@pytest.mark.parametrize("k", range(len(BAD)))
def test_public_entry_points_reject_bad_input(k):
    call, exc, pattern = BAD[k]
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize(
    "make,x_shape,dy_shape",
    [
        (lambda: conv.Flatten(), (2, 3, 4, 4), (2, 47)),
        (lambda: conv.Reshape((3, 4, 4)), (2, 48), (2, 3, 4, 5)),
    ],
)
def test_shape_layers_check_dy(make, x_shape, dy_shape):
    layer = make()
    layer.forward(np.ones(x_shape))
    with pytest.raises(ValueError, match="shape of the output"):
        layer.backward(np.ones(dy_shape))


def test_lenet_table_is_read_only():
    with pytest.raises(ValueError, match="read-only"):
        conv.LENET_C3_TABLE[0, 0] = False


def test_pooling_accepts_integer_and_list_images():
    img = np.arange(2 * 1 * 4 * 4).reshape(2, 1, 4, 4)
    want = img.reshape(2, 1, 2, 2, 2, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(conv.avg_pool2d(img), want)
    np.testing.assert_allclose(conv.avg_pool2d(img.tolist()), want)
    assert conv.avg_pool2d(img).dtype == np.float64
    np.testing.assert_array_equal(conv.max_pool2d(img), img[:, :, 1::2, 1::2])
    np.testing.assert_array_equal(
        conv.max_pool2d_backward(np.ones((2, 1, 2, 2), int), img, conv.max_pool2d(img)).sum(), 8
    )
    assert conv.AvgPool2D(2).forward(img).dtype == np.float64


# ---------------------------------------------------------------------------- empty batches
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: conv.Conv2D(3, 4, 3, rng=0), (0, 3, 7, 7)),
        (lambda: conv.Conv2D(3, 4, 3, stride=2, padding=1, rng=0), (0, 3, 7, 7)),
        (lambda: conv.MaxPool2D(2), (0, 3, 7, 7)),
        (lambda: conv.AvgPool2D(2), (0, 3, 7, 7)),
        (lambda: conv.Subsampling(3), (0, 3, 7, 7)),
        (lambda: conv.LeNet5(rng=0), (0, 1024)),
    ],
)
def test_empty_batch_gives_empty_results_and_zero_grads(make, shape):
    layer = make()
    y = layer.forward(np.ones(shape))
    assert y.shape[0] == 0
    dx = layer.backward(np.ones(y.shape))
    assert dx.shape == shape
    for name, g in layer.grads.items():
        assert g.shape == layer.params[name].shape and not g.any(), name


# ---------------------------------------------------------------------- dtypes as in Dense
def test_dense_promotes_as_assumed():
    d = nn.Dense(3, 2, dtype=np.float64)
    assert d.forward(np.ones((1, 3), np.float32)).dtype == np.float64
    d32 = nn.Dense(3, 2, dtype=np.float32)
    assert d32.forward(np.ones((1, 3), np.float32)).dtype == np.float32
    assert d32.forward(np.ones((1, 3), np.float64)).dtype == np.float64


@pytest.mark.parametrize("layer_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "make",
    [
        lambda dt: conv.Conv2D(2, 3, 3, rng=0, dtype=dt),
        lambda dt: conv.Conv2D(2, 3, 1, padding=1, rng=0, dtype=dt),
        lambda dt: conv.Subsampling(2, dtype=dt),
    ],
    ids=["conv", "conv-1x1-pad", "subsampling"],
)
def test_layer_dtype_is_the_promoted_dtype_like_dense(make, layer_dtype, x_dtype):
    layer = make(layer_dtype)
    want = np.result_type(layer_dtype, x_dtype)
    x = _rng(5).normal(size=(2, 2, 6, 6))
    y = layer.forward(x.astype(x_dtype))
    assert y.dtype == want
    dx = layer.backward(np.ones_like(y))
    assert dx.dtype == want
    assert all(g.dtype == want for g in layer.grads.values())
    # the float64 computation of a float32 input is exact in its own precision
    ref = make(np.float64)
    ref.params.update({k: v.astype(np.float64) for k, v in layer.params.items()})
    tol = 1e-12 if want == np.float64 else 1e-5
    np.testing.assert_allclose(y, ref.forward(x.astype(x_dtype).astype(np.float64)), atol=tol)


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dy_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", [conv.MaxPool2D, conv.AvgPool2D])
def test_pooling_dtype_follows_input_and_dy(cls, x_dtype, dy_dtype):
    layer = cls(2)
    y = layer.forward(_rng(6).normal(size=(2, 2, 6, 6)).astype(x_dtype))
    assert y.dtype == x_dtype
    assert layer.backward(np.ones(y.shape, dy_dtype)).dtype == np.result_type(x_dtype, dy_dtype)


def test_float32_conv_keeps_float32_for_float32_dy_and_promotes_for_float64_dy():
    layer = conv.Conv2D(2, 3, 3, rng=0, dtype=np.float32)
    y = layer.forward(np.ones((1, 2, 5, 5), np.float32))
    assert layer.backward(np.ones(y.shape, np.float32)).dtype == np.float32
    assert layer.backward(np.ones(y.shape, np.float64)).dtype == np.float64  # as Dense: dy @ W


# ------------------------------------------------------------------------ non-finite values
@pytest.mark.parametrize(
    "make",
    [
        lambda: conv.Conv2D(2, 3, 3, rng=0),
        lambda: conv.Conv2D(2, 3, 3, padding=1, stride=2, rng=0),
        lambda: conv.MaxPool2D(2),
        lambda: conv.AvgPool2D(2),
        lambda: conv.Subsampling(2),
    ],
)
def test_nan_input_is_not_swallowed(make):
    """Layers do not scan every batch for NaN (the training loop rejects non-finite data), but
    a NaN input never vanishes silently: it reaches the output."""
    x = _rng(7).normal(size=(2, 2, 6, 6))
    x[1, 0, 2, 3] = np.nan
    y = make().forward(x)
    assert np.isnan(y[1]).any() and not np.isnan(y[0]).any()
