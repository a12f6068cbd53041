"""Tests for nndl.perceptron (draft chapter 4): every algorithm against an independent loop or a
closed form, the convergence theorems on random separable data, and the candidate errata."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nndl import perceptron as P

N_THEOREM_SETS = 200


# ----------------------------------------------------------------------------- references
def reference_perceptron(X, y, epochs, rule="<=", orders=None):
    """Algorithm 4.1 written from the book with plain Python floats: returns (w, updates)."""
    w = [0.0] * len(X[0])
    updates = []
    for t in range(epochs):
        order = range(len(X)) if orders is None else orders[t]
        changed = False
        for i in order:
            s = y[i] * sum(wj * xj for wj, xj in zip(w, X[i]))
            if (s < 0) if rule == "<" else (s <= 0):
                w = [wj + y[i] * xj for wj, xj in zip(w, X[i])]
                updates.append((i, list(w)))
                changed = True
        if not changed:
            break
    return np.array(w), updates


def reference_multiclass(X, y, C, epochs):
    """Algorithm 4.2 with the long vector w and φ built by np.kron, one sample at a time."""
    D = X.shape[1]
    w = np.zeros(C * D)
    eye = np.eye(C)
    phi = lambda x, c: np.kron(eye[c], x)  # noqa: E731
    updates = []
    for _ in range(epochs):
        changed = False
        for i in range(len(X)):
            scores = [w @ phi(X[i], c) for c in range(C)]
            yhat = int(np.argmax(scores))
            if yhat != y[i]:
                w = w + phi(X[i], y[i]) - phi(X[i], yhat)
                updates.append((i, yhat, w.copy()))
                changed = True
        if not changed:
            break
    return w, updates


def reference_average(X, y, epochs, multiclass=False, C=None):
    """(4.16)-(4.17) straight from the definition: the mean of w_{t,i} over all nT steps."""
    D = X.shape[1]
    w = np.zeros((C, D)) if multiclass else np.zeros(D)
    steps = []
    for _ in range(epochs):
        for i in range(len(X)):
            if multiclass:
                yhat = int(np.argmax(w @ X[i]))
                if yhat != y[i]:
                    w = w.copy()
                    w[y[i]] += X[i]
                    w[yhat] -= X[i]
            elif y[i] * (w @ X[i]) <= 0:
                w = w + y[i] * X[i]
            steps.append(w)
    return np.mean(steps, axis=0)


def separable(seed, n=30, margin=0.05, dim=2, num_classes=2):
    X, y, w_star = P.make_separable(n, margin, dim=dim, num_classes=num_classes, rng=seed)
    return P.augment(X), y, w_star


# ----------------------------------------------------------------------------- basics
def test_augment_prepends_ones_and_predict_follows_4_2():
    X = np.array([[2.0, -1.0], [0.0, 0.0], [-3.0, 1.0]])
    Xa = P.augment(X)
    np.testing.assert_array_equal(Xa, [[1, 2, -1], [1, 0, 0], [1, -3, 1]])
    w = np.array([0.0, 1.0, 2.0])  # scores 0, 0, -1
    np.testing.assert_array_equal(P.predict(w, Xa), [-1, -1, -1])  # w^T x <= 0 gives -1
    np.testing.assert_array_equal(P.predict(np.array([1.0, 0, 0]), Xa), [1, 1, 1])


def test_radius_and_margin_match_loops():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.choice([-1, 1], size=20)
    w = rng.normal(size=3)
    assert P.radius(X) == pytest.approx(max(np.linalg.norm(x) for x in X), rel=1e-14)
    expected = min(yi * (w @ x) for x, yi in zip(X, y)) / np.linalg.norm(w)
    assert P.margin(X, y, w) == pytest.approx(expected, rel=1e-12)
    assert P.margin(X, y, 5 * w) == pytest.approx(expected, rel=1e-12)  # scale free


def test_make_separable_honours_the_margin():
    for seed in range(5):
        X, y, w_star = P.make_separable(50, 0.1, rng=seed)
        assert X.shape == (50, 2) and set(np.unique(y)) == {-1, 1}
        assert np.linalg.norm(w_star) == pytest.approx(1.0)
        assert P.margin(P.augment(X), y, w_star) >= 0.1
        Xm, ym, W = P.make_separable(60, 0.1, dim=3, num_classes=4, rng=seed)
        assert set(np.unique(ym)) == {0, 1, 2, 3}
        assert P.multiclass_margin(P.augment(Xm), ym, W) >= 0.1


# ----------------------------------------------------------------------------- Algorithm 4.1
@pytest.mark.parametrize("seed", range(8))
def test_perceptron_matches_the_reference_loop(seed):
    Xa, y, _ = separable(seed)
    run = P.perceptron(Xa, y)
    w_ref, updates = reference_perceptron(Xa.tolist(), y.tolist(), 100)
    np.testing.assert_allclose(run.w, w_ref, rtol=1e-12, atol=1e-12)
    assert run.indices.tolist() == [i for i, _ in updates]
    np.testing.assert_allclose(run.weights[1:], [w for _, w in updates], rtol=1e-12, atol=1e-12)
    assert run.converged and np.all(P.predict(run.w, Xa) == y)


def test_shuffled_runs_are_seeded():
    Xa, y, _ = separable(3, n=40)
    a = P.perceptron(Xa, y, shuffle=True, rng=7)
    b = P.perceptron(Xa, y, shuffle=True, rng=7)
    c = P.perceptron(Xa, y, shuffle=True, rng=8)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.indices.tolist() != c.indices.tolist()
    gen = np.random.default_rng(7)
    orders = [gen.permutation(40) for _ in range(100)]
    w_ref, _ = reference_perceptron(Xa.tolist(), y.tolist(), 100, orders=orders)
    np.testing.assert_allclose(a.w, w_ref, rtol=1e-12, atol=1e-12)


def test_every_update_is_recorded_and_replays_the_run():
    Xa, y, _ = separable(11, n=50, margin=0.02)
    run = P.perceptron(Xa, y)
    assert run.weights.shape == (run.n_updates + 1, 3)
    np.testing.assert_array_equal(run.weights[0], 0.0)  # w_0 = 0
    for u in run.updates:
        assert u.y == y[u.index] and u.predicted == -u.y
        np.testing.assert_array_equal(u.x, Xa[u.index])
        np.testing.assert_allclose(u.w, run.weights[u.k - 1] + u.y * u.x, rtol=1e-14)  # (4.4)
        assert u.score == pytest.approx(u.y * run.weights[u.k - 1] @ u.x)
        assert u.score <= 0  # the step (4.6) needs
    # (4.5): w_K is the sum of y_k x_k over the updates
    np.testing.assert_allclose(run.w, (y[run.indices, None] * Xa[run.indices]).sum(0), atol=1e-12)
    # each update happened in a non-decreasing epoch; the survival counts tile all steps
    assert np.all(np.diff(run.epochs_of_update) >= 0)
    assert run.survival.sum() + run.n_updates == run.steps == run.epochs * len(y)


def test_drafts_strict_condition_never_fires_from_zero():
    """Candidate erratum on Algorithm 4.1 line 5: `w^T (y x) < 0` is never true when w_0 = 0."""
    for seed in range(20):
        Xa, y, _ = separable(seed)
        printed = P.perceptron(Xa, y, rule="<")
        assert printed.n_updates == 0 and printed.converged and printed.epochs == 1
        np.testing.assert_array_equal(printed.w, 0.0)
        assert np.all(P.predict(printed.w, Xa) == -1)  # every sample called negative
        w_ref, updates = reference_perceptron(Xa.tolist(), y.tolist(), 100, rule="<")
        assert updates == [] and not w_ref.any()
        fixed = P.perceptron(Xa, y, rule="<=")
        assert fixed.n_updates > 0 and np.all(P.predict(fixed.w, Xa) == y)


# ----------------------------------------------------------------------------- Theorem 4.1
def test_convergence_theorem_on_random_separable_sets():
    """K <= R^2/gamma^2 on many random separable sets, with the proof's (4.6) and (4.8) on every run."""
    ratios = []
    for seed in range(N_THEOREM_SETS):
        dim = 2 + seed % 4
        margin = [0.02, 0.05, 0.1, 0.2][seed % 4]
        Xa, y, w_star = separable(seed, n=20 + seed % 40, margin=margin, dim=dim)
        run = P.perceptron(Xa, y, shuffle=seed % 2 == 1, rng=seed)
        best = P.max_margin(Xa, y)
        R = P.radius(Xa)
        for gamma in (P.margin(Xa, y, w_star), best.gamma):
            assert run.n_updates <= R**2 / gamma**2  # (4.10)
        ratios.append(run.n_updates * best.gamma**2 / R**2)
        k = np.arange(run.n_updates + 1)
        sq = np.einsum("kd,kd->k", run.weights, run.weights)
        assert np.all(sq <= k * R**2 * (1 + 1e-12))  # (4.6)
        assert np.all(run.weights @ best.w >= k * best.gamma * (1 - 1e-12))  # (4.7)-(4.8)
        assert np.all(sq >= (k * best.gamma) ** 2 * (1 - 1e-12))  # (4.8)
    assert 0 < max(ratios) <= 1
    assert len(ratios) == N_THEOREM_SETS


def test_proof_step_4_6_needs_the_update_condition():
    """‖Σ y_k x_k‖² ≤ Σ‖y_k x_k‖² is false in general (draft (4.6)); copies of one x break it."""
    x = np.array([1.0, 2.0])
    copies = np.tile(x, (5, 1))
    assert np.linalg.norm(copies.sum(0)) ** 2 == pytest.approx(125.0)
    assert (copies**2).sum() == pytest.approx(25.0)


def test_max_margin_against_a_grid_search_in_2d():
    for seed in range(5):
        rng = np.random.default_rng(seed)
        w = rng.normal(size=2)
        X = rng.normal(size=(25, 2))
        y = np.where(X @ w > 0, 1, -1)
        X = X + 0.2 * y[:, None] * w / np.linalg.norm(w)  # open a gap through the origin
        best = P.max_margin(X, y, tol=1e-6)
        theta = np.linspace(0, 2 * np.pi, 400_001)
        U = np.stack([np.cos(theta), np.sin(theta)], axis=1)
        grid = np.max(np.min((y[:, None] * X) @ U.T, axis=0))
        assert best.gamma <= best.gamma_upper
        # the grid's step (1.6e-5 rad) costs it up to ~1e-4 of margin; the solver must do better
        assert grid * (1 - 1e-6) <= best.gamma <= grid + 1e-4
        assert best.gamma_upper <= best.gamma * (1 + 1e-6)
        assert np.linalg.norm(best.w) == pytest.approx(1.0)
        assert P.margin(X, y, best.w) == pytest.approx(best.gamma, rel=1e-12)


# ----------------------------------------------------------------------------- non-separable
def test_xor_is_detected_as_cycling():
    X, y = P.make_xor()
    with pytest.raises(P.PerceptronNotConverged, match="training cycles") as info:
        P.perceptron(P.augment(X), y, epochs=1000)
    run = info.value.run
    assert not run.converged and run.cycle is not None and run.epochs < 1000
    assert "not linearly separable" in str(info.value) and "chapter 5" in str(info.value)
    returned = P.perceptron(P.augment(X), y, if_not_converged="return")
    assert not returned.converged and returned.cycle == run.cycle


def test_non_convergence_after_T_epochs_without_cycle_detection():
    X, y = P.make_xor()
    with pytest.raises(P.PerceptronNotConverged, match=r"last of T = 7 epochs"):
        P.perceptron(P.augment(X), y, epochs=7, detect_cycles=False)
    run = P.perceptron(P.augment(X), y, epochs=7, detect_cycles=False, if_not_converged="return")
    assert run.epochs == 7 and run.mistakes_last_epoch > 0


def test_no_linear_classifier_gets_all_of_xor():
    X, y = P.make_xor()
    Xa = P.augment(X)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(20000, 3))
    correct = (np.where(Xa @ W.T > 0, 1, -1) == y[:, None]).sum(0)
    assert correct.max() == 3
    with pytest.raises(ValueError, match="not linearly separable"):
        P.max_margin(Xa, y)


# ----------------------------------------------------------------------------- multiclass
def test_feature_map_is_the_kronecker_product_with_contiguous_blocks():
    """(4.12)-(4.13): φ(x, c) = φ(c) ⊗ x = vec_F(x φ(c)^T); class c's block is contiguous."""
    C, m = 3, 4
    x = np.array([1.0, 2.0, 3.0, 4.0])
    for c in range(C):
        e = np.eye(C)[c]
        phi = P.feature_map(x, c, C)
        np.testing.assert_array_equal(phi, np.kron(e, x))
        np.testing.assert_array_equal(phi, np.outer(x, e).reshape(-1, order="F"))
        np.testing.assert_array_equal(phi[c * m : (c + 1) * m], x)  # 1-based rows cm-m+1..cm
        assert not phi[: c * m].any() and not phi[(c + 1) * m :].any()
    # the draft's vec(φ(y) x^T), with the column-major vec of section 2.3, interleaves instead
    printed = np.outer(np.eye(C)[1], x).reshape(-1, order="F")
    np.testing.assert_array_equal(printed, np.kron(x, np.eye(C)[1]))
    assert np.flatnonzero(printed).tolist() == [1, 4, 7, 10]
    assert np.flatnonzero(P.feature_map(x, 1, C)).tolist() == [4, 5, 6, 7]  # book rows 5-8


def test_feature_map_batch_and_scores():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 4, size=6)
    W = rng.normal(size=(4, 5))
    phi = P.feature_map(X, y, 4)
    assert phi.shape == (6, 20)
    for n in range(6):
        np.testing.assert_array_equal(phi[n], np.kron(np.eye(4)[y[n]], X[n]))
    np.testing.assert_allclose(phi @ W.ravel(), np.einsum("nd,nd->n", W[y], X), rtol=1e-13)
    long_scores = np.array([[W.ravel() @ P.feature_map(x, c, 4) for c in range(4)] for x in X])
    np.testing.assert_array_equal(P.multiclass_predict(W, X), long_scores.argmax(1))  # (4.11)


@pytest.mark.parametrize("seed", range(5))
def test_multiclass_perceptron_matches_the_kronecker_reference(seed):
    Xa, y, _ = separable(seed, n=40, margin=0.05, dim=2, num_classes=3)
    run = P.multiclass_perceptron(Xa, y)
    w_ref, updates = reference_multiclass(Xa, y, 3, 100)
    np.testing.assert_allclose(run.w.ravel(), w_ref, rtol=1e-12, atol=1e-12)
    assert run.indices.tolist() == [i for i, _, _ in updates]
    assert run.predicted.tolist() == [p for _, p, _ in updates]
    np.testing.assert_allclose(
        run.weights[1:].reshape(run.n_updates, -1), [w for _, _, w in updates], atol=1e-12
    )
    assert run.converged and np.all(P.multiclass_predict(run.w, Xa) == y)
    assert np.all(run.scores <= 0)


def test_collins_quantities_match_loops_over_phi():
    rng = np.random.default_rng(2)
    X, y, C = rng.normal(size=(8, 3)), rng.integers(0, 4, size=8), 4
    W = rng.normal(size=(C, 3))
    R = max(
        np.linalg.norm(P.feature_map(x, yi, C) - P.feature_map(x, z, C))
        for x, yi in zip(X, y)
        for z in range(C)
        if z != yi
    )
    assert P.multiclass_radius(X) == pytest.approx(R, rel=1e-14)
    w = W.ravel() / np.linalg.norm(W)
    gamma = min(
        w @ (P.feature_map(x, yi, C) - P.feature_map(x, z, C))
        for x, yi in zip(X, y)
        for z in range(C)
        if z != yi
    )
    assert P.multiclass_margin(X, y, W) == pytest.approx(gamma, rel=1e-12)


def test_collins_bound_on_random_multiclass_sets():
    """Theorem 4.2: K <= R^2/gamma^2 with R = sqrt(2) max‖x‖ and the margin of the generating W*."""
    for seed in range(60):
        C = 3 + seed % 3
        Xa, y, W_star = separable(seed, n=40, margin=0.1, dim=2 + seed % 2, num_classes=C)
        run = P.multiclass_perceptron(Xa, y, num_classes=C)
        gamma, R = P.multiclass_margin(Xa, y, W_star), P.multiclass_radius(Xa)
        assert gamma >= 0.1 and run.n_updates <= R**2 / gamma**2


# ----------------------------------------------------------------------------- voted and averaged
@pytest.mark.parametrize("seed", range(4))
def test_lazy_and_naive_averages_agree(seed):
    rng = np.random.default_rng(seed)
    X = P.augment(rng.normal(size=(60, 5)))
    y = rng.choice([-1, 1], size=60)  # not separable
    for kw in ({}, {"shuffle": True, "rng": seed}):
        naive = P.averaged_perceptron(X, y, epochs=6, method="naive", **kw)
        lazy = P.averaged_perceptron(X, y, epochs=6, method="lazy", **kw)
        np.testing.assert_allclose(lazy.w_average, naive.w_average, rtol=0, atol=1e-12)
        np.testing.assert_allclose(P.naive_average(naive), naive.w_average, atol=1e-12)
    ref = reference_average(X, y, 6)
    np.testing.assert_allclose(
        P.averaged_perceptron(X, y, epochs=6, method="naive").w_average, ref, atol=1e-12
    )
    yc = rng.integers(0, 4, size=60)
    naive = P.averaged_perceptron(X, yc, epochs=5, method="naive", multiclass=True)
    lazy = P.averaged_perceptron(X, yc, epochs=5, method="lazy", multiclass=True)
    np.testing.assert_allclose(lazy.w_average, naive.w_average, rtol=0, atol=1e-12)
    np.testing.assert_allclose(naive.w_average, reference_average(X, yc, 5, True, 4), atol=1e-12)
    assert lazy.steps == 5 * 60 and lazy.epochs == 5


def test_averaged_run_does_all_epochs_and_keeps_the_plain_weights():
    Xa, y, _ = separable(4)
    plain = P.perceptron(Xa, y)
    avg = P.averaged_perceptron(Xa, y, epochs=plain.epochs + 3)
    np.testing.assert_allclose(avg.w, plain.w)  # averaging does not change w
    assert avg.steps == (plain.epochs + 3) * len(y) and avg.converged
    np.testing.assert_array_equal(P.averaged_predict(avg, Xa), np.where(Xa @ avg.w_average > 0, 1, -1))


def test_voted_prediction_matches_a_loop_over_k():
    rng = np.random.default_rng(5)
    X = P.augment(rng.normal(size=(50, 3)))
    y = rng.choice([-1, 1], size=50)
    run = P.averaged_perceptron(X, y, epochs=4)
    Xt = P.augment(rng.normal(size=(30, 3)))
    votes = np.zeros(30)
    for w_k, c_k in zip(run.weights, run.survival):  # (4.14) term by term
        votes += c_k * np.array([1 if w_k @ x > 0 else -1 for x in Xt])
    np.testing.assert_array_equal(P.voted_predict(run, Xt, chunk=7), np.where(votes > 0, 1, -1))
    # survival counts: c_k correct predictions after update k, all steps accounted for
    assert run.survival.sum() + run.n_updates == 4 * 50

    yc = rng.integers(0, 3, size=50)
    mrun = P.averaged_perceptron(X, yc, epochs=3, multiclass=True)
    tally = np.zeros((30, 3))
    for W_k, c_k in zip(mrun.weights, mrun.survival):
        for n, x in enumerate(Xt):
            tally[n, np.argmax(W_k @ x)] += c_k
    np.testing.assert_array_equal(P.voted_predict(mrun, Xt, chunk=5), tally.argmax(1))


def test_a_sign_vote_over_0_1_outputs_never_gives_minus_one():
    """Candidate erratum on (4.14): with 0/1 outputs the vote is a sum of non-negative terms."""
    rng = np.random.default_rng(6)
    X = P.augment(rng.normal(size=(80, 2)))
    y = rng.choice([-1, 1], size=80)
    run = P.averaged_perceptron(X, y, epochs=5)
    zero_one = (X @ run.weights.T > 0).astype(float)  # (N, K+1) outputs in {0, 1}
    assert set(np.unique(np.sign(zero_one @ run.survival))) <= {0.0, 1.0}
    assert -1 in P.voted_predict(run, X)  # ±1 outputs do vote −1


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, exc, pattern",
    [
        (lambda: P.perceptron(np.ones(3), [1, -1, 1]), ValueError, r"shape \(N, D\)"),
        (lambda: P.perceptron(np.ones((3, 2)), [1, -1]), ValueError, r"shape \(N,\) = \(3,\)"),
        (lambda: P.perceptron(np.ones((3, 2)), [1, 0, 1]), ValueError, r"-1 or \+1.*2\*y - 1"),
        (lambda: P.perceptron(np.ones((2, 2)), ["a", "b"]), TypeError, "-1 and \\+1"),
        (lambda: P.perceptron(np.ones((2, 2), dtype=complex), [1, -1]), TypeError, "real numeric"),
        (
            lambda: P.perceptron(np.array([[np.nan, 1.0]]), [1]),
            ValueError,
            r"^X must be finite; found nan at row 0",
        ),
        (lambda: P.perceptron(np.ones((2, 2)), [1, -1], epochs=0), ValueError, r"T\) must be >= 1"),
        (lambda: P.perceptron(np.ones((2, 2)), [1, -1], epochs=2.0), TypeError, "must be an integer"),
        (lambda: P.averaged_perceptron(np.ones((2, 2)), [1, -1], epochs=2.0), TypeError, "integer"),
        (lambda: P.multiclass_perceptron(np.ones((2, 2)), [0.0, 1e20]), ValueError, "too large"),
        (
            lambda: P.multiclass_perceptron(np.ones((2, 2)), [0.0, np.nan]),
            ValueError,
            r"^y must be finite; found nan at index 1",
        ),
        (lambda: P.perceptron(np.ones((2, 2)), [1, -1], rule="<<"), ValueError, "rule must be"),
        (lambda: P.perceptron(np.ones((2, 2)), [1, -1], if_not_converged="x"), ValueError, "raise"),
        (lambda: P.averaged_perceptron(np.ones((2, 2)), [1, -1], method="x"), ValueError, "lazy"),
        (lambda: P.predict(np.ones(3), np.ones((2, 2))), ValueError, r"shape \(D,\) = \(2,\)"),
        (lambda: P.margin(np.ones((2, 2)), [1, -1], np.zeros(2)), ValueError, "non-zero"),
        (lambda: P.multiclass_perceptron(np.ones((2, 2)), [0.5, 1]), TypeError, "integer class"),
        (lambda: P.multiclass_perceptron(np.ones((2, 2)), [0, 3], num_classes=3), ValueError, "out of range"),
        (lambda: P.multiclass_perceptron(np.ones((2, 2)), [0, -1]), ValueError, "negative label -1"),
        (lambda: P.multiclass_predict(np.ones((3, 4)), np.ones((2, 2))), ValueError, r"\(C, D\)"),
        (lambda: P.feature_map(np.ones((2, 2)), [0, 1, 1], 2), ValueError, r"\(N,\) = \(2,\)"),
        (lambda: P.make_separable(10, 2.0), ValueError, "margin too large"),
        (lambda: P.make_separable(10, -0.1), ValueError, "positive"),
        (
            lambda: P.averaged_predict(P.perceptron(np.eye(2), [1, -1]), np.eye(2)),
            ValueError,
            "no averaged weights",
        ),
    ],
)
def test_errors_name_the_problem(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_float_labels_that_are_integers_are_accepted():
    Xa, y, _ = separable(0, num_classes=3)
    a = P.multiclass_perceptron(Xa, y.astype(float))
    b = P.multiclass_perceptron(Xa, y)
    np.testing.assert_array_equal(a.w, b.w)


PROBE = """
import json, sys
import nndl.perceptron
print(json.dumps(sorted(m for m in ("matplotlib", "ipywidgets", "PIL", "sklearn") if m in sys.modules)))
"""


def test_perceptron_module_imports_numpy_only():
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []
