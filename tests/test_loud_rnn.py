"""nndl.rnn fails loudly (issue 13): checked kernels and helpers, overflow-free clipping,
training that rejects bad data and stops on divergence, float-only dtypes, threads, aliasing."""

import copy
import sys
import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nndl import draft, nn, optim, rnn
from nndl._validation import TrainingDiverged
from nndl.training import fit

N, T, D, H = 3, 4, 5, 2
RNG = np.random.default_rng(0)

# kernel family -> (gates, forward, reference forward, backward, reference backward, extra args)
KERNELS = {
    "srn": (1, rnn.srn_forward, rnn.srn_forward_reference, rnn.srn_backward, rnn.srn_backward_reference, ()),
    "lstm": (
        4,
        rnn.lstm_forward,
        rnn.lstm_forward_reference,
        rnn.lstm_backward,
        rnn.lstm_backward_reference,
        ("V", "c0"),
    ),
    "gru": (3, rnn.gru_forward, rnn.gru_forward_reference, rnn.gru_backward, rnn.gru_backward_reference, ()),
}
LAYERS = {
    "SRN": lambda **kw: rnn.SRN(D, H, rng=0, **kw),
    "LSTM": lambda **kw: rnn.LSTM(D, H, rng=0, **kw),
    "GRU": lambda **kw: rnn.GRU(D, H, rng=0, **kw),
}


def kernel_args(family, rng=RNG):
    """Valid keyword arguments of a family's forward kernels."""
    G = KERNELS[family][0]
    args = {
        "x": rng.normal(size=(N, T, D)),
        "W": rng.normal(size=(D, G * H)),
        "U": rng.normal(size=(H, G * H)),
        "b": rng.normal(size=G * H),
        "h0": rng.normal(size=(N, H)),
    }
    if family == "lstm":
        args.update(V=rng.normal(size=(3, H)), c0=rng.normal(size=(N, H)))
    return args


# ------------------------------------------------------------------------- 1. checked kernels
@settings(max_examples=60, deadline=None)
@given(family=st.sampled_from(sorted(KERNELS)), reference=st.booleans(), data=st.data())
def test_forward_kernels_reject_a_mismatched_shape_naming_the_argument(family, reference, data):
    args = kernel_args(family)
    name = data.draw(st.sampled_from(sorted(args)), label="argument")
    shape = list(args[name].shape)
    how = data.draw(st.sampled_from(["grow", "drop", "add"]) if shape else st.just("add"))
    if how == "grow":
        axis = data.draw(
            st.sampled_from([a for a in range(len(shape)) if (name, a) != ("x", 1)])
        )  # any T is valid
        shape[axis] += data.draw(st.integers(1, 3))
    elif how == "drop":
        shape = shape[:-1]
    else:
        shape = shape + [2]
    args[name] = np.zeros(shape)
    fwd = KERNELS[family][2 if reference else 1]
    with pytest.raises(ValueError, match=rf"\b{name}\b.*shape"):
        fwd(**args)


@pytest.mark.parametrize("family", sorted(KERNELS))
def test_kernels_reject_wrong_types_and_values(family):
    _, fwd, ref, bwd, bref, _ = KERNELS[family]
    for f in (fwd, ref):
        args = kernel_args(family)
        with pytest.raises(TypeError, match=r"\bW\b"):
            f(**{**args, "W": np.full(args["W"].shape, "a")})
        with pytest.raises(ValueError, match=r"x.*\(N, T, D\)"):
            f(**{**args, "x": np.zeros((N, 0, D))})
    for b, f in ((bwd, fwd), (bref, ref)):
        args = kernel_args(family)
        h, cache = f(**args)
        with pytest.raises(ValueError, match=r"dh.*\(N, T, H\)"):
            b(np.zeros((N, T, H + 1)), cache)
        with pytest.raises(TypeError, match="cache"):
            b(np.zeros(h.shape), ("not", "a", "cache"))


def test_srn_kernels_name_an_unknown_activation():
    args = kernel_args("srn")
    for f in (rnn.srn_forward, rnn.srn_forward_reference):
        with pytest.raises(ValueError, match="activation.*softsign"):
            f(**args, activation="softsign")


def test_bptt_literal_checks_its_arguments():
    args = kernel_args("srn")
    x, W, U, b, h0 = (args[k] for k in ("x", "W", "U", "b", "h0"))
    dh = np.zeros((N, T, H))
    with pytest.raises(ValueError, match=r"dh.*\(N, T, H\)"):
        draft.bptt_literal(x, W, U, b, dh[:, :-1], h0)
    with pytest.raises(ValueError, match=r"\bU\b.*shape"):
        draft.bptt_literal(x, W, U[:, :1], b, dh, h0)
    with pytest.raises(ValueError, match="activation"):
        draft.bptt_literal(x, W, U, b, dh, h0, activation="sin")


def test_chapter_helpers_check_their_arguments():
    U = RNG.normal(size=(4, 4))
    with pytest.raises(ValueError, match=r"\bU\b.*\(H, H\)"):
        rnn.jacobian_norms(U[:, :3], np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"inputs.*\(T, H\).*H = 4"):
        rnn.jacobian_norms(U, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"h0.*\(H,\)"):
        rnn.jacobian_norms(U, np.zeros((5, 4)), h0=np.zeros(3))
    with pytest.raises(ValueError, match="activation"):
        rnn.jacobian_norms(U, np.zeros((5, 4)), activation="sin")
    with pytest.raises(ValueError, match=r"\bU\b.*\(H, H\)"):
        rnn.with_spectral_radius(np.zeros((2, 3)), 1.0)
    with pytest.raises(TypeError, match="rho"):
        rnn.with_spectral_radius(U, "1")
    with pytest.raises(ValueError, match="rho"):
        rnn.with_spectral_radius(U, -1.0)
    with pytest.raises(ValueError, match="spectral radius 0"):
        rnn.with_spectral_radius(np.triu(np.ones((3, 3)), 1), 1.0)  # nilpotent
    with pytest.raises(ValueError, match=r"\bU\b.*finite"):
        rnn.with_spectral_radius(np.full((2, 2), np.nan), 1.0)
    with pytest.raises(ValueError, match=r"x.*\(N, T, D\)"):
        rnn.additive_state(np.zeros((3, 4)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\bW\b.*\(D, H\).*D = 4"):
        rnn.additive_state(np.zeros((2, 3, 4)), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="grads"):
        rnn.global_norm([np.ones(3)])
    with pytest.raises(TypeError, match=r"grads\['a'\]"):
        rnn.global_norm({"a": np.array(["x"])})
    with pytest.raises(TypeError, match="n"):
        rnn.blas_threads(1.5)
    with pytest.raises(ValueError, match="n"):
        rnn.blas_threads(0)
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        nn.Sequential(rnn.SRN(2, 2), rnn.LastStep()).predict(np.zeros((3, 2)))


def test_srn_checks_an_activation_reassigned_after_construction():
    srn = rnn.SRN(D, H)
    srn.activation = "linear"  # chapter 7 does this: still allowed
    srn.forward(np.zeros((N, T, D)))
    srn.activation = "softsign"
    with pytest.raises(ValueError, match="activation.*softsign"):
        srn.forward(np.zeros((N, T, D)))


def test_predict_and_recall_task_fail_loudly():
    model = nn.Sequential(rnn.SRN(2, 2), rnn.LastStep())
    model.layers[0].params["b"][0] = np.nan
    with pytest.raises(ValueError, match=r"scores.*row 0"):
        model.predict(np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match=r"\bX\b.*row 1"):
        model.predict(np.array([[[0, 0]], [[np.inf, 0]]]))
    with pytest.raises(TypeError, match="dtype"):
        rnn.recall_task(4, 3, dtype=np.int64)


def test_last_step_checks_its_input():
    with pytest.raises(ValueError, match=r"\(N, T, H\).*T >= 1"):
        rnn.LastStep().forward(np.zeros((2, 0, 3)))
    with pytest.raises(RuntimeError, match="before forward"):
        rnn.LastStep().backward(np.zeros((2, 3)))


# ----------------------------------------------------------------- 2. overflow-free clipping
@settings(max_examples=80, deadline=None)
@given(k=st.integers(-1000, 1000), seed=st.integers(0, 2**16))
def test_global_norm_is_scale_invariant_over_the_whole_float_range(k, seed):
    rng = np.random.default_rng(seed)
    grads = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    scaled = {name: np.ldexp(g, k) for name, g in grads.items()}  # exact: times 2**k
    if not all(np.isfinite(g).all() and (g != 0).all() for g in scaled.values()):
        return  # over- or underflowed input
    expected = np.ldexp(rnn.global_norm(grads), k)
    assert rnn.global_norm(scaled) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("size", [1e300, 1e-300, 1e154])
def test_clip_grad_norm_keeps_the_direction_of_huge_and_tiny_gradients(size):
    grads = {"a": np.array([3.0, 0.0]) * size, "b": np.array([[4.0]]) * size}
    before = rnn.clip_grad_norm(grads, 1e-310 if size < 1 else 1.0)
    assert before == pytest.approx(5.0 * size, rel=1e-12)
    np.testing.assert_allclose(grads["a"] / grads["b"][0, 0], [0.75, 0.0])  # direction kept
    assert rnn.global_norm(grads) == pytest.approx(1e-310 if size < 1 else 1.0, rel=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_clip_grad_norm_rejects_non_finite_gradients_naming_them(bad):
    grads = {"W": np.ones((2, 2)), "U": np.ones((2, 2))}
    grads["U"][1, 0] = bad
    with pytest.raises(ValueError, match=r"grads\['U'\].*\(1, 0\)"):
        rnn.clip_grad_norm(grads, 1.0)
    np.testing.assert_array_equal(grads["W"], 1.0)  # nothing was changed
    assert not np.isfinite(rnn.global_norm(grads))


def test_clip_grad_norm_argument_policy():
    grads = {"a": np.ones(2)}
    with pytest.raises(TypeError, match="max_norm"):
        rnn.clip_grad_norm(grads, "1")
    with pytest.raises(TypeError, match="max_norm"):
        rnn.clip_grad_norm(grads, True)
    for bad in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="max_norm"):
            rnn.clip_grad_norm(grads, bad)
    with pytest.raises(TypeError, match=r"grads\['i'\].*float"):
        rnn.clip_grad_norm({"i": np.ones(2, dtype=np.int64)}, 1.0)


# --------------------------------------------------------------------------------- 3. train
def recall_model(seed=0):
    X, y = rnn.recall_task(64, 5, rng=seed)
    model = nn.Sequential(rnn.GRU(X.shape[2], 6, rng=seed), rnn.LastStep(), nn.Dense(6, 4, rng=seed))
    return model, X, y


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_fit_rejects_non_finite_sequences_naming_the_row(bad):
    model, X, y = recall_model()
    Xb = X.copy()
    Xb[17, 2, 1] = bad
    with pytest.raises(ValueError, match=r"\bX\b.*row 17"):
        fit(model, Xb, y, optim.GD(0.1), 3)
    yb = y.astype(float)
    yb[9] = bad
    with pytest.raises(ValueError, match=r"\by\b.*9"):
        fit(model, X, yb, optim.GD(0.1), 3)


def test_fit_stops_a_recurrent_model_with_training_diverged_and_no_warnings():
    model, X, y = recall_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged, match=r"epoch \d+.*last finite loss"):
            fit(model, X, y, optim.GD(1e30), 20, replacement=True, rng=0)


def test_fit_names_a_non_finite_parameter_of_a_broken_recurrent_model():
    model, X, y = recall_model()
    model.layers[2].params["b"][1] = np.inf
    with pytest.raises(ValueError, match=r"model.params\['2.b'\] must be finite; found inf at index 1"):
        fit(model, X, y, optim.GD(0.1), 3, rng=0)


def test_fit_checks_sequence_shapes():
    model, X, y = recall_model()
    with pytest.raises(ValueError, match=r"\(N,\) with the N = 64 rows of X"):
        fit(model, X, y[:-1], optim.GD(0.1), 2)
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        fit(model, X[:, 0], y, optim.GD(0.1), 2)


# ------------------------------------------------------------------------------- 4. dtypes
@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool, np.complex128, "int8"])
def test_layers_reject_non_float_dtypes(name, dtype):
    with pytest.raises(TypeError, match="dtype"):
        LAYERS[name](dtype=dtype)


@pytest.mark.parametrize("name", LAYERS)
def test_layers_check_their_constructor_arguments(name):
    assert LAYERS[name](dtype=np.float32).params["W"].dtype == np.float32
    extra = {"LSTM": "forget_bias", "GRU": "update_bias"}.get(name)
    if extra:
        with pytest.raises(TypeError, match=extra):
            LAYERS[name](**{extra: "1"})
        with pytest.raises(ValueError, match=extra):
            LAYERS[name](**{extra: np.nan})


def test_layers_follow_the_nn_layer_base_class():
    for make in LAYERS.values():
        assert isinstance(make(), nn.Layer)
    assert isinstance(rnn.LastStep(), nn.Layer)


# ------------------------------------------------------------------------------ 5. threads
def _run_in_two_threads(work):
    """``work(0)`` and ``work(1)`` in two threads, switching between them as often as possible
    (every 10 µs instead of 5 ms), so that a race shows up in every run, not one in ten."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("with_backward", [False, True], ids=["forward", "forward+backward"])
def test_a_layer_shared_by_two_threads_is_never_silently_wrong(name, with_backward):
    """Every call either raises the guard's RuntimeError or returns the single-thread result."""
    layer = getattr(rnn, name)(8, 16, rng=0)
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(4, 30, 8)) for _ in range(2)]
    dh = rng.normal(size=(4, 30, 16))
    ref = copy.deepcopy(layer)
    expected = [(ref.forward(x).copy(), ref.backward(dh).copy()) for x in xs]
    wrong, raised, right = [], [], []
    start = threading.Barrier(2)

    def work(k):
        start.wait()
        for _ in range(150):
            try:
                h = layer.forward(xs[k])
                dx = layer.backward(dh) if with_backward else None
            except RuntimeError as exc:
                raised.append(str(exc))
                continue
            ok = np.array_equal(h, expected[k][0]) and (dx is None or np.array_equal(dx, expected[k][1]))
            (right if ok else wrong).append(k)

    _run_in_two_threads(work)
    assert not wrong, f"{len(wrong)} of 300 calls returned a wrong result silently"
    assert len(right) + len(raised) == 300
    assert all("thread" in msg for msg in raised), raised[:3]


@pytest.mark.parametrize("name", LAYERS)
def test_deep_copies_in_two_threads_give_exact_results(name):
    layer = getattr(rnn, name)(8, 16, rng=0)
    rng = np.random.default_rng(2)
    xs = [rng.normal(size=(4, 30, 8)) for _ in range(2)]
    dh = rng.normal(size=(4, 30, 16))
    expected = [(layer.forward(x).copy(), layer.backward(dh).copy()) for x in xs]
    copies = [copy.deepcopy(layer) for _ in range(2)]
    failures = []
    start = threading.Barrier(2)

    def work(k):
        start.wait()
        for _ in range(100):
            h = copies[k].forward(xs[k])
            dx = copies[k].backward(dh)
            if not (np.array_equal(h, expected[k][0]) and np.array_equal(dx, expected[k][1])):
                failures.append(k)

    _run_in_two_threads(work)
    assert not failures


# ----------------------------------------------------------------------------- 5b. aliasing
@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("reference", [False, True], ids=["fast", "reference"])
def test_initial_state_gradients_are_not_overwritten_by_the_next_call(name, reference):
    layer = LAYERS[name](reference=reference)
    rng = np.random.default_rng(3)
    held = []
    for _ in range(2):
        layer.forward(rng.normal(size=(N, T, D)))
        layer.backward(rng.normal(size=(N, T, H)))
        arrays = [layer.dh0] + ([layer.dc0] if name == "LSTM" else [])
        held.append((arrays, [a.copy() for a in arrays]))
    for arrays, copies in held:
        for a, c in zip(arrays, copies):
            np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("family", sorted(KERNELS))
@pytest.mark.parametrize("reference", [False, True], ids=["fast", "reference"])
def test_kernel_results_and_caches_survive_the_next_call(family, reference):
    _, fwd, ref, bwd, bref, _ = KERNELS[family]
    f, b = (ref, bref) if reference else (fwd, bwd)
    a1 = kernel_args(family, np.random.default_rng(4))
    a2 = kernel_args(family, np.random.default_rng(5))
    dh1, dh2 = np.ones((N, T, H)), np.full((N, T, H), -0.5)
    h1, cache1 = f(**a1)
    h1_copy = h1.copy()
    out1 = b(dh1, cache1)
    kept = copy.deepcopy(out1)
    f(**a2)
    b(dh2, f(**a2)[1])
    np.testing.assert_array_equal(h1, h1_copy)
    again = b(dh1, cache1)  # the first cache still holds the first call
    for first, held, second in zip(out1, kept, again):
        if isinstance(first, dict):
            for k in first:
                np.testing.assert_array_equal(first[k], held[k])
                np.testing.assert_array_equal(second[k], held[k])
        else:
            np.testing.assert_array_equal(first, held)
            np.testing.assert_array_equal(second, held)
