"""nndl.rnn: reference vs fast kernels, gradient checks, BPTT as printed, clipping, errors."""

import numpy as np
import pytest

from nndl import draft, nn, optim, rnn
from nndl.gradcheck import layer_gradient_errors, relative_error
from nndl.training import fit

N, T, D, H = 3, 5, 4, 3
TOL = 1e-6

LAYERS = {
    "srn-tanh": lambda ref, rng: rnn.SRN(D, H, rng=rng, reference=ref),
    "srn-logistic": lambda ref, rng: rnn.SRN(D, H, activation="logistic", rng=rng, reference=ref),
    "srn-relu": lambda ref, rng: rnn.SRN(D, H, activation="relu", rng=rng, reference=ref),
    "lstm-peephole": lambda ref, rng: rnn.LSTM(D, H, rng=rng, reference=ref),
    "lstm": lambda ref, rng: rnn.LSTM(D, H, peephole=False, rng=rng, reference=ref),
    "gru": lambda ref, rng: rnn.GRU(D, H, rng=rng, reference=ref),
}


def data(seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(N, T, D)),
        0.5 * rng.normal(size=(N, H)),
        0.5 * rng.normal(size=(N, H)),
        rng.normal(size=(N, T, H)),
    )


def states(layer, h0, c0):
    return dict(h0=h0, c0=c0) if isinstance(layer, rnn.LSTM) else dict(h0=h0)


def perturbed(make, ref, seed=1):
    layer = make(ref, seed)
    rng = np.random.default_rng(seed + 100)
    for p in layer.params.values():  # nonzero biases too, so every path is exercised
        p += 0.3 * rng.normal(size=p.shape)
    return layer


@pytest.mark.parametrize("name", LAYERS)
def test_reference_and_fast_agree(name):
    x, h0, c0, dh = data()
    fast, ref = perturbed(LAYERS[name], False), perturbed(LAYERS[name], True)
    kw = states(fast, h0, c0)
    np.testing.assert_allclose(fast.forward(x, **kw), ref.forward(x, **kw), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast.backward(dh), ref.backward(dh), rtol=1e-10, atol=1e-13)
    for k in fast.grads:
        np.testing.assert_allclose(fast.grads[k], ref.grads[k], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(fast.dh0, ref.dh0, rtol=1e-10, atol=1e-13)
    if isinstance(fast, rnn.LSTM):
        np.testing.assert_allclose(fast.dc0, ref.dc0, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("reference", [False, True], ids=["fast", "reference"])
@pytest.mark.parametrize("name", ["srn-tanh", "srn-logistic", "lstm-peephole", "lstm", "gru"])
def test_gradients_match_finite_differences(name, reference):
    x, h0, c0, dh = data()
    layer = perturbed(LAYERS[name], reference)
    errors = layer_gradient_errors(layer, x, dh, **states(layer, h0, c0))
    expected = (
        {"W", "U", "b", "x", "h0"}
        | ({"V"} if name == "lstm-peephole" else set())
        | ({"c0"} if name.startswith("lstm") else set())
    )
    assert set(errors) == expected
    assert max(errors.values()) < TOL, errors


def test_bptt_literal_matches_fast_only_with_corrected_7_7():
    x, h0, _, dh = data(3)
    layer = perturbed(LAYERS["srn-tanh"], False)
    layer.forward(x, h0=h0)
    layer.backward(dh)
    W, U, b = (layer.params[k] for k in "WUb")
    corrected = draft.bptt_literal(x, W, U, b, dh, h0)
    printed = draft.bptt_literal(x, W, U, b, dh, h0, printed=True)
    assert relative_error(corrected, layer.grads["U"]) < 1e-12
    assert relative_error(printed, layer.grads["U"]) > 1e-2


def test_peephole_output_gate_sees_new_cell():
    """With only V_o nonzero, o_t must depend on c_t (7.16), not on c_{t−1}."""
    layer = rnn.LSTM(1, 1, rng=0, reference=True)
    for p in layer.params.values():
        p[...] = 0
    layer.params["W"][0, 3] = 1.0  # c̃ = tanh(x)
    layer.params["b"][:2] = 50.0  # i = f = 1
    layer.params["V"][2, 0] = 2.0
    x = np.array([[[1.0]]])
    c = np.tanh(1.0)
    expected = 1 / (1 + np.exp(-2.0 * c)) * np.tanh(c)
    np.testing.assert_allclose(layer.forward(x)[0, 0, 0], expected, rtol=1e-12)
    fast = rnn.LSTM(1, 1, rng=0)
    for k in fast.params:
        fast.params[k][...] = layer.params[k]
    np.testing.assert_allclose(fast.forward(x)[0, 0, 0], expected, rtol=1e-12)


def test_gru_reset_applied_before_product():
    """(7.22): h̃ = tanh(W_c x + U_c(r ⊙ h)), which differs from r ⊙ (U_c h) (PyTorch's form)."""
    rng = np.random.default_rng(5)
    layer = rnn.GRU(2, 3, rng=0)
    for p in layer.params.values():
        p += rng.normal(size=p.shape)
    x, h0 = rng.normal(size=(1, 1, 2)), rng.normal(size=(1, 3))
    W, U, b = (layer.params[k] for k in "WUb")
    s = lambda z: 1 / (1 + np.exp(-z))
    r = s(x[0, 0] @ W[:, :3] + h0[0] @ U[:, :3] + b[:3])
    z = s(x[0, 0] @ W[:, 3:6] + h0[0] @ U[:, 3:6] + b[3:6])
    n = np.tanh(x[0, 0] @ W[:, 6:] + (r * h0[0]) @ U[:, 6:] + b[6:])
    np.testing.assert_allclose(layer.forward(x, h0=h0)[0, 0], z * h0[0] + (1 - z) * n, rtol=1e-12)


def test_float32_stays_float32_and_close_to_float64():
    x, h0, c0, dh = data()
    for name in ("srn-tanh", "lstm-peephole", "gru"):
        l64 = perturbed(LAYERS[name], False)
        l32 = perturbed(LAYERS[name], False)
        for k in l32.params:
            l32.params[k] = l32.params[k].astype(np.float32)
        kw = states(l64, h0, c0)
        y32 = l32.forward(x.astype(np.float32), **{k: v.astype(np.float32) for k, v in kw.items()})
        assert y32.dtype == np.float32
        np.testing.assert_allclose(y32, l64.forward(x, **kw), atol=1e-5)
        dx32 = l32.backward(dh.astype(np.float32))
        assert dx32.dtype == np.float32 and l32.grads["U"].dtype == np.float32
        np.testing.assert_allclose(dx32, l64.backward(dh), atol=1e-4)


def test_shapes_and_stacking_order():
    assert rnn.SRN(D, H).params["W"].shape == (D, H)
    lstm = rnn.LSTM(D, H)
    assert {k: v.shape for k, v in lstm.params.items()} == {
        "W": (D, 4 * H),
        "U": (H, 4 * H),
        "b": (4 * H,),
        "V": (3, H),
    }
    assert "V" not in rnn.LSTM(D, H, peephole=False).params
    assert np.all(rnn.LSTM(D, H, forget_bias=1.0).params["b"][H : 2 * H] == 1.0)
    gru = rnn.GRU(D, H)
    assert gru.params["W"].shape == (D, 3 * H) and gru.params["U"].shape == (H, 3 * H)
    assert rnn.LSTM(D, H, rng=0).num_params == D * 4 * H + H * 4 * H + 4 * H + 3 * H


def test_clear_errors():
    layer = rnn.LSTM(D, H)
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        layer.forward(np.zeros((N, D)))
    with pytest.raises(ValueError, match="D = 4"):
        layer.forward(np.zeros((N, T, D + 1)))
    with pytest.raises(ValueError, match="h0"):
        layer.forward(np.zeros((N, T, D)), h0=np.zeros((N, H + 1)))
    with pytest.raises(RuntimeError, match="before forward"):
        rnn.GRU(D, H).backward(np.zeros((N, T, H)))
    layer.forward(np.zeros((N, T, D)))
    with pytest.raises(ValueError, match=r"\(N, T, H\)"):
        layer.backward(np.zeros((N, T, H + 1)))
    with pytest.raises(ValueError, match="activation"):
        rnn.SRN(D, H, activation="softsign")
    with pytest.raises(TypeError, match="real numeric"):
        rnn.SRN(D, H).forward(np.full((N, T, D), "a"))
    with pytest.raises(ValueError, match="hidden_size"):
        rnn.GRU(D, 0)


def test_clip_grad_norm():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert rnn.global_norm(grads) == pytest.approx(5.0)
    before = rnn.clip_grad_norm(grads, 1.0)
    assert before == pytest.approx(5.0)
    assert rnn.global_norm(grads) == pytest.approx(1.0)
    np.testing.assert_allclose(grads["a"], [0.6, 0.0])  # direction kept
    small = {"a": np.array([0.1, 0.2])}
    rnn.clip_grad_norm(small, 1.0)
    np.testing.assert_array_equal(small["a"], [0.1, 0.2])  # below the threshold: unchanged
    with pytest.raises(ValueError, match="max_norm"):
        rnn.clip_grad_norm(small, 0.0)


def test_sequential_with_dense_head_trains_on_recall():
    X, y = rnn.recall_task(256, 8, rng=0)
    model = nn.Sequential(rnn.GRU(X.shape[2], 12, rng=0), rnn.LastStep(), nn.Dense(12, 4, rng=0))
    errors = nn.gradient_check(model, X[:4], y[:4], inputs=True)
    assert max(errors.values()) < TOL, errors
    history = fit(
        model, X, y, optim.Adam(0.02), 5, batch_size=32, replacement=True, steps_per_epoch=30, clip=5.0, rng=0
    )
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["train_accuracy"][-1] == np.mean(model.predict(X) == y) > 0.9


def test_jacobian_norms_and_the_bound_7_10():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    norms, bounds = rnn.jacobian_norms(Q, np.zeros((200, 8)), activation="linear")
    np.testing.assert_allclose(norms, 1.0, rtol=1e-9)  # γ = 1: no decay (erratum)
    norms, bounds = rnn.jacobian_norms(0.9 * Q, np.zeros((50, 8)), activation="linear")
    np.testing.assert_allclose(norms, 0.9 ** np.arange(1, 51), rtol=1e-9)
    U = rnn.with_spectral_radius(rng.normal(size=(8, 8)), 1.5)
    norms, bounds = rnn.jacobian_norms(U, rng.normal(size=(30, 8)), activation="tanh")
    assert np.all(norms <= bounds * (1 + 1e-12))


def test_additive_state_grows():
    rng = np.random.default_rng(0)
    c, h = rnn.additive_state(rng.normal(size=(16, 400, 3)) + 0.2, rng.normal(size=(3, 5)))
    size = np.abs(c).mean(axis=(0, 2))
    assert size[-1] > 10 * size[9]
    assert np.mean(np.abs(h[:, -1]) > 0.99) > 0.9


def test_recall_task():
    X, y = rnn.recall_task(50, 6, symbols=3, rng=1)
    assert X.shape == (50, 6, 4) and y.shape == (50,) and y.dtype == np.int64
    np.testing.assert_array_equal(X[:, 0, 1:].argmax(axis=1), y)  # the symbol with the marker
    np.testing.assert_array_equal(X[:, :, 0], np.eye(6)[0][None].repeat(50, axis=0))  # marker
    np.testing.assert_array_equal(X[:, :, 1:].sum(axis=2), 1.0)  # one symbol every step


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, T, D))
    lstm = rnn.LSTM(D, H, peephole=False, rng=0)
    tl = torch.nn.LSTM(D, H, batch_first=True).double()
    perm = np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]  # ours [i, f, o, g], torch [i, f, g, o]
    with torch.no_grad():
        tl.weight_ih_l0.copy_(torch.from_numpy(lstm.params["W"][:, perm].T.copy()))
        tl.weight_hh_l0.copy_(torch.from_numpy(lstm.params["U"][:, perm].T.copy()))
        tl.bias_ih_l0.copy_(torch.from_numpy(lstm.params["b"][perm].copy()))
        tl.bias_hh_l0.zero_()
    out, _ = tl(torch.from_numpy(x))
    np.testing.assert_allclose(lstm.forward(x), out.detach().numpy(), rtol=1e-10, atol=1e-12)
    srn = rnn.SRN(D, H, rng=0)
    tr = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        tr.weight_ih_l0.copy_(torch.from_numpy(srn.params["W"].T.copy()))
        tr.weight_hh_l0.copy_(torch.from_numpy(srn.params["U"].T.copy()))
        tr.bias_ih_l0.zero_()
        tr.bias_hh_l0.zero_()
    out, _ = tr(torch.from_numpy(x))
    np.testing.assert_allclose(srn.forward(x), out.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_bptt_literal_printed_reads_f_prime_at_h_previous_literally():
    """(7.7) as printed, Uᵀdiag(f′(h_{i−1})), on a scalar SRN with two steps, in closed form.

    J = g₁h₁ + g₂h₂ with h_t = tanh(u h_{t−1} + w x_t + b).  The double sum (7.8) has three terms:
    h₀f′(z₁)g₁ + h₁f′(z₂)g₂ + h₀f′(z₁)·[∂h₂/∂h₁]·g₂, where ∂h₂/∂h₁ is u·f′(z₂) (correct) and, as
    printed, u·f′(h₁) = u(1 − tanh²(h₁)): f′ evaluated at h₁ itself, not 1 − h₁² = f′(z₁).
    """
    u, w, b, h0 = 0.9, 0.7, 0.2, 0.4
    x = np.array([[[0.5], [-1.3]]])
    g = np.array([[[0.8], [-0.6]]])
    z1 = u * h0 + w * x[0, 0, 0] + b
    h1 = np.tanh(z1)
    z2 = u * h1 + w * x[0, 1, 0] + b
    fz1, fz2 = 1 - np.tanh(z1) ** 2, 1 - np.tanh(z2) ** 2
    common = h0 * fz1 * g[0, 0, 0] + h1 * fz2 * g[0, 1, 0]
    for printed, step in ((False, u * fz2), (True, u * (1 - np.tanh(h1) ** 2))):
        expected = common + h0 * fz1 * step * g[0, 1, 0]
        got = draft.bptt_literal(x, [[w]], [[u]], [b], g, [[h0]], printed=printed)
        np.testing.assert_allclose(got, [[expected]], rtol=1e-13)


def test_jacobian_norms_printed_reads_f_prime_at_h_previous_literally():
    u, h0, inputs = 1.3, 0.6, np.array([[0.2], [-0.4], [0.1]])
    h, product = h0, 1.0
    for (v,) in inputs:
        product *= u * (1 - np.tanh(h) ** 2)  # f′ at h_{i−1} itself, as printed
        h = np.tanh(u * h + v)
    norms, _ = draft.jacobian_norms_77([[u]], inputs, h0=[h0])
    np.testing.assert_allclose(norms[-1], abs(product), rtol=1e-13)


@pytest.mark.parametrize("peephole", [True, False], ids=["peephole", "plain"])
def test_lstm_vectorized_equals_reference_and_tuned(peephole):
    """The readable form (one input GEMM, then lstm_step gate by gate) = the loop reference = the
    tuned engine, forward and (through the reference's backward on its cache) backward."""
    x, h0, c0, dh = data(4)
    W, U, b, *V = perturbed(LAYERS["lstm-peephole" if peephole else "lstm"], False).params.values()
    V = V[0] if V else None
    h_v, cache_v = rnn.lstm_forward_vectorized(x, W, U, b, V, h0, c0)
    h_r, _ = rnn.lstm_forward_reference(x, W, U, b, V, h0, c0)
    h_f, cache_f = rnn.lstm_forward(x, W, U, b, V, h0, c0)
    np.testing.assert_allclose(h_v, h_r, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_v, h_f, rtol=1e-12, atol=1e-14)
    back_v, back_f = rnn.lstm_backward_reference(dh, cache_v), rnn.lstm_backward(dh, cache_f)
    for got, want in zip(
        (back_v[0], *back_v[1].values(), *back_v[2:]), (back_f[0], *back_f[1].values(), *back_f[2:])
    ):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_lstm_step_is_one_step_of_the_reference():
    x, h0, c0, _ = data(5)
    W, U, b, V = perturbed(LAYERS["lstm-peephole"], False).params.values()
    h1, c1, (i, f, o, c_tilde) = rnn.lstm_step(x[:, 0], h0, c0, W, U, b, V)
    np.testing.assert_allclose(
        h1, rnn.lstm_forward_reference(x[:, :1], W, U, b, V, h0, c0)[0][:, 0], rtol=1e-12
    )
    np.testing.assert_allclose(c1, f * c0 + i * c_tilde, rtol=1e-12)  # (7.18)
    np.testing.assert_allclose(h1, o * np.tanh(c1), rtol=1e-12)  # (7.19)
    h32, c32, _ = rnn.lstm_step(*(a.astype(np.float32) for a in (x[:, 0], h0, c0, W, U, b, V)))
    assert h32.dtype == c32.dtype == np.float32
    with pytest.raises(ValueError, match=r"h_prev must have shape \(N, H\) = \(3, 3\)"):
        rnn.lstm_step(x[:, 0], h0[:, :2], c0, W, U, b, V)
    with pytest.raises(ValueError, match=r"xw_t must have shape \(N, 4·H\)"):
        rnn.lstm_step(x[:, 0], h0, c0, W, U, b, V, xw_t=np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"W must have shape \(D, 4·H\)"):
        rnn.lstm_forward_vectorized(x, W[:-1], U, b, V)


def test_lstm_gate_values_are_the_same_copies_for_both_kernels():
    x = np.random.default_rng(3).normal(size=(2, 5, 4))
    values = {}
    for reference in (False, True):
        layer = rnn.LSTM(4, 3, rng=4, reference=reference)
        with pytest.raises(RuntimeError, match="before forward"):
            layer.gate_values()
        layer.forward(x)
        values[reference] = layer.gate_values()
        first = {k: v.copy() for k, v in values[reference].items()}
        layer.forward(x[:, ::-1])  # a later call must not change them
        for k in first:
            np.testing.assert_array_equal(values[reference][k], first[k])
    assert set(values[False]) == {"i", "f", "o", "c~"}
    for k in values[False]:
        assert values[False][k].shape == (2, 5, 3)
        np.testing.assert_allclose(values[False][k], values[True][k], rtol=1e-12, atol=1e-14)
    assert np.all((values[False]["f"] > 0) & (values[False]["f"] < 1))


def test_gradient_flow_runs_show_vanishing_and_exploding():
    runs = {r["rho"]: r for r in rnn.gradient_flow_runs(rhos=(0.5, 1.0, 2.0), hidden=16, steps=40)}
    assert runs[0.5]["linear"][-1] < 1e-8 and runs[2.0]["linear"][-1] > 1e8
    for r in runs.values():
        assert np.all(r["tanh"] <= r["bound"] * (1 + 1e-12))  # (7.10) is an upper bound
