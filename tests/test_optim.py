"""Tests for nndl.optim: the update rules of draft 3.1.4, errata 9-10, minibatches and minimize.

Hand references: the first steps of every optimizer are written out below as scalar arithmetic
straight from the equations, independently of the implementation.

Convergence on f(x) = ½xᵀAx, A = diag(1, 50) (L = 50, condition number 50), from x0 = (−3, 2),
and on A rotated by 30°.  "Steps" = first t after which ‖x_t‖ < 1e-6 for good (measured);
the budgets in the tests leave a margin.

    optimizer (hyper-parameters)           diag A   rotated A   budget (diag / rotated)
    GD(lr=1/L)                               739       708         800 / 800
    Momentum(lr=1/L, rho=0.9)                284       286         350 / 350
    AdaGrad(lr=1)                             55      1634         100 / 2000
    Adam(lr=0.1)                             280      1209         400 / 1500
    AdaDelta() on A/50 (L = 1, see below)   1455      1712        2000 / 2000
    RMSprop(lr=0.01)                        never    never   ‖x‖ < lr within 500 steps

Two methods do not converge on this quadratic, and the tests pin that down instead of hiding it:
- RMSprop with a constant lr ends in a period-2 cycle with |x_i| = lr/2 in every coordinate
  (there g/√E[g²] = ±1, so every step has length lr).
- AdaDelta (Zeiler's form, no learning rate) becomes GD with learning rate ≈ 1 near the minimum
  (both averages ≪ ε, so the step is √ε/√ε · g); that is unstable for curvature > 2, so on A it
  comes within ~5e-3 and is pushed out again.  On A/50 (curvatures 0.02 and 1) it converges.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nndl import optim
from nndl.optim import GD, AdaDelta, AdaGrad, Adam, Momentum, RMSprop, minibatches, minimize

# ----------------------------------------------------------------------------- the quadratic
L_MAX = 50.0
A_DIAG = np.diag([1.0, L_MAX])
_c, _s = math.cos(math.pi / 6), math.sin(math.pi / 6)
ROT = np.array([[_c, -_s], [_s, _c]])
A_ROT = ROT @ A_DIAG @ ROT.T
X0 = np.array([-3.0, 2.0])
TOL = 1e-6


def quadratic(A):
    """f(x) = ½xᵀAx and its gradient Ax."""
    return lambda x: (0.5 * x @ A @ x, A @ x)


def norms(trajectory):
    return np.linalg.norm(trajectory, axis=1)


def steps_to_stay_below(trajectory, tol=TOL):
    """First t with ‖x_s‖ < tol for every s ≥ t (None if the last iterate is not below)."""
    above = np.nonzero(norms(trajectory) >= tol)[0]
    if len(above) and above[-1] == len(trajectory) - 1:
        return None
    return int(above[-1]) + 1 if len(above) else 0


ALL_OPTIMIZERS = {
    "GD": lambda: GD(0.1),
    "Momentum": lambda: Momentum(0.1, rho=0.9),
    "AdaGrad": lambda: AdaGrad(0.1),
    "AdaDelta": lambda: AdaDelta(),
    "RMSprop": lambda: RMSprop(0.01),
    "Adam": lambda: Adam(0.01),
}


def run_steps(opt, theta0, grads):
    """Feed a fixed gradient sequence to opt; return θ_0, θ_1, ... (the update rule alone)."""
    theta = np.array(theta0, dtype=np.float64)
    out = [theta.copy()]
    for g in grads:
        opt.step({"theta": theta}, {"theta": np.array(g, dtype=np.float64)})
        out.append(theta.copy())
    return np.array(out)


# Three gradients for a 2-vector θ, θ_0 = (1, −2); used by several hand references.
THETA0 = [1.0, -2.0]
GRADS = [[2.0, -1.0], [0.5, 4.0], [-3.0, 0.0]]


# ------------------------------------------------------------------ first steps by hand
def test_gd_first_steps_by_hand():
    """(3.16): θ_t = θ_{t−1} − λ g_t with λ = 0.1."""
    expected = [
        [1.0, -2.0],
        [1.0 - 0.2, -2.0 + 0.1],  # [0.8, −1.9]
        [0.8 - 0.05, -1.9 - 0.4],  # [0.75, −2.3]
        [0.75 + 0.3, -2.3 - 0.0],
    ]  # [1.05, −2.3]
    np.testing.assert_allclose(run_steps(GD(0.1), THETA0, GRADS), expected, rtol=1e-14)


def test_momentum_first_steps_by_hand():
    """Corrected (3.22): v_t = ρ v_{t−1} − λ g_t, θ_t = θ_{t−1} + v_t, λ = 0.1, ρ = 0.9."""
    # v1 = −0.1 g1 = [−0.2, 0.1]                         θ1 = [0.8, −1.9]
    # v2 = 0.9 v1 − 0.1 g2 = [−0.18 − 0.05, 0.09 − 0.4] = [−0.23, −0.31]    θ2 = [0.57, −2.21]
    # v3 = 0.9 v2 − 0.1 g3 = [−0.207 + 0.3, −0.279 − 0] = [0.093, −0.279]   θ3 = [0.663, −2.489]
    expected = [[1.0, -2.0], [0.8, -1.9], [0.57, -2.21], [0.663, -2.489]]
    np.testing.assert_allclose(run_steps(Momentum(0.1, rho=0.9), THETA0, GRADS), expected, rtol=1e-14)


def test_adagrad_first_steps_by_hand():
    """(3.23) + ε: θ_t = θ_{t−1} − λ g_t / (√Σg² + ε), λ = 0.5; a zero gradient does not move."""
    eps = 1e-8
    grads = [[3.0, 0.0], [4.0, 0.0], [12.0, 2.0]]  # Σg²: 9, 25, 169 and 0, 0, 4
    a1 = 1.0 - 0.5 * 3.0 / (3.0 + eps)
    a2 = a1 - 0.5 * 4.0 / (5.0 + eps)
    a3 = a2 - 0.5 * 12.0 / (13.0 + eps)
    b3 = -2.0 - 0.5 * 2.0 / (2.0 + eps)
    expected = [[1.0, -2.0], [a1, -2.0], [a2, -2.0], [a3, b3]]
    np.testing.assert_allclose(run_steps(AdaGrad(0.5, eps=eps), THETA0, grads), expected, rtol=1e-14)
    assert abs(a3 - (1.0 - 0.5 - 0.4 - 6.0 / 13)) < 1e-7  # ≈ −0.36154


def test_adadelta_first_steps_by_hand():
    """(3.24)–(3.27) with ρ = 0.9, ε = 1e-6; the second component's gradient is always 0."""
    rho, eps = 0.9, 1e-6
    g1, g2, g3 = 1.0, -2.0, 0.5
    Eg = rho * 0.0 + (1 - rho) * g1**2  # (3.24)
    d1 = -math.sqrt(0.0 + eps) / math.sqrt(Eg + eps) * g1  # (3.25)
    Ed = rho * 0.0 + (1 - rho) * d1**2  # (3.26)
    t1 = 1.0 + d1  # (3.27)
    Eg = rho * Eg + (1 - rho) * g2**2
    d2 = -math.sqrt(Ed + eps) / math.sqrt(Eg + eps) * g2
    Ed = rho * Ed + (1 - rho) * d2**2
    t2 = t1 + d2
    Eg = rho * Eg + (1 - rho) * g3**2
    d3 = -math.sqrt(Ed + eps) / math.sqrt(Eg + eps) * g3
    t3 = t2 + d3
    grads = [[g1, 0.0], [g2, 0.0], [g3, 0.0]]
    expected = [[1.0, -2.0], [t1, -2.0], [t2, -2.0], [t3, -2.0]]
    np.testing.assert_allclose(run_steps(AdaDelta(rho=rho, eps=eps), THETA0, grads), expected, rtol=1e-13)
    # The first step is √ε/√((1−ρ)g² + ε)·g ≈ √ε/√(1−ρ) = 3.16e-3, whatever the gradient's size.
    assert abs(d1 + math.sqrt(eps / (1 - rho))) < 1e-7


def test_rmsprop_first_steps_by_hand():
    """E_t = ρE_{t−1} + (1−ρ)g_t², θ_t = θ_{t−1} − λ g_t / (√E_t + ε), λ = 0.01, ρ = 0.9."""
    lr, rho, eps = 0.01, 0.9, 1e-8
    g1, g2, g3 = 2.0, 0.5, -3.0
    E1 = 0.1 * 4.0  # 0.4
    E2 = 0.9 * E1 + 0.1 * 0.25  # 0.385
    E3 = 0.9 * E2 + 0.1 * 9.0  # 1.2465
    t1 = 1.0 - lr * g1 / (math.sqrt(E1) + eps)
    t2 = t1 - lr * g2 / (math.sqrt(E2) + eps)
    t3 = t2 - lr * g3 / (math.sqrt(E3) + eps)
    got = run_steps(RMSprop(lr, rho=rho, eps=eps), [1.0], [[g1], [g2], [g3]])
    np.testing.assert_allclose(got[:, 0], [1.0, t1, t2, t3], rtol=1e-14)


def test_adam_first_steps_by_hand():
    """Adam with bias correction, λ = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    g1, g2, g3 = 2.0, 0.5, -3.0
    m1, v1 = 0.1 * g1, 0.001 * g1**2
    t1 = 1.0 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + 0.1 * g2, b2 * v1 + 0.001 * g2**2
    t2 = t1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    m3, v3 = b1 * m2 + 0.1 * g3, b2 * v2 + 0.001 * g3**2
    t3 = t2 - lr * (m3 / (1 - b1**3)) / (math.sqrt(v3 / (1 - b2**3)) + eps)
    got = run_steps(Adam(lr, beta1=b1, beta2=b2, eps=eps), [1.0], [[g1], [g2], [g3]])
    np.testing.assert_allclose(got[:, 0], [1.0, t1, t2, t3], rtol=1e-12)
    assert abs(t1 - 0.9) < 1e-8  # bias correction: the first step is λ·sign(g)


# ------------------------------------------------------------------ state and in-place updates
@pytest.mark.parametrize("make", ALL_OPTIMIZERS.values(), ids=ALL_OPTIMIZERS.keys())
def test_state_is_per_parameter(make):
    """One optimizer over {"w", "b"} equals two optimizers, one per parameter."""
    rng = np.random.default_rng(0)
    w0, b0 = rng.normal(size=(3, 2)), rng.normal(size=4)
    gw, gb = rng.normal(size=(6, 3, 2)), rng.normal(size=(6, 4))
    joint, alone_w, alone_b = make(), make(), make()
    pj = {"w": w0.copy(), "b": b0.copy()}
    pw, pb = {"w": w0.copy()}, {"b": b0.copy()}
    for t in range(6):
        joint.step(pj, {"b": gb[t], "w": gw[t]})  # key order does not matter
        alone_w.step(pw, {"w": gw[t]})
        alone_b.step(pb, {"b": gb[t]})
    np.testing.assert_array_equal(pj["w"], pw["w"])
    np.testing.assert_array_equal(pj["b"], pb["b"])
    assert set(joint.state) == {"w", "b"}


@pytest.mark.parametrize("make", ALL_OPTIMIZERS.values(), ids=ALL_OPTIMIZERS.keys())
def test_updates_in_place_and_reset(make):
    """The arrays a model holds change; reset() makes the next run repeat the first one."""

    class Model:
        def __init__(self):
            self.params = {"w": np.ones(3)}
            self.grads = {"w": np.array([1.0, -2.0, 0.5])}

    model, opt = Model(), make()
    held = model.params["w"]
    for _ in range(3):
        opt.step(model.params, model.grads)
    assert model.params["w"] is held and not np.allclose(held, 1.0)
    first = held.copy()
    opt.reset()
    assert opt.state == {}
    model2 = Model()
    for _ in range(3):
        opt.step(model2.params, model2.grads)
    np.testing.assert_array_equal(model2.params["w"], first)


@pytest.mark.parametrize("make", ALL_OPTIMIZERS.values(), ids=ALL_OPTIMIZERS.keys())
def test_float32_and_scalar_parameters(make):
    """dtype follows the parameter; 0-d arrays are updated in place too."""
    p = {"w": np.ones((2, 2), dtype=np.float32), "s": np.array(2.0)}
    g = {"w": np.full((2, 2), 0.5), "s": 1}  # float64 and int gradients are fine
    make().step(p, g)
    assert p["w"].dtype == np.float32 and p["s"].shape == ()
    assert np.all(p["w"] < 1.0) and p["s"] < 2.0


# ------------------------------------------------------------------------ validation errors
def test_mismatched_keys():
    with pytest.raises(ValueError, match=r"missing from grads: \['b'\].*not in params: \['c'\]"):
        GD(0.1).step({"w": np.zeros(2), "b": np.zeros(1)}, {"w": np.zeros(2), "c": np.zeros(1)})


def test_mismatched_shapes_name_key_and_both_shapes():
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(3,\).*params\['w'\] has shape \(2, 3\)"):
        Momentum(0.1).step({"w": np.zeros((2, 3))}, {"w": np.zeros(3)})


@pytest.mark.parametrize(
    "params, grads, exc, pattern",
    [
        ({"w": np.zeros(2, dtype=int)}, {"w": np.zeros(2)}, TypeError, r"params\['w'\].*floating"),
        ({"w": [0.0, 0.0]}, {"w": np.zeros(2)}, TypeError, r"params\['w'\].*floating.*list"),
        ({"w": np.zeros(2)}, {"w": np.zeros(2, dtype=complex)}, TypeError, r"grads\['w'\]"),
        ([np.zeros(2)], {"w": np.zeros(2)}, TypeError, "params must be a dict"),
        ({"w": np.zeros(2)}, np.zeros(2), TypeError, "grads must be a dict"),
    ],
)
def test_bad_params_or_grads(params, grads, exc, pattern):
    with pytest.raises(exc, match=pattern):
        GD(0.1).step(params, grads)


def test_read_only_parameter():
    w = np.zeros(2)
    w.flags.writeable = False
    with pytest.raises(ValueError, match=r"params\['w'\] is read-only"):
        GD(0.1).step({"w": w}, {"w": np.ones(2)})


def test_failed_step_changes_nothing():
    """All checks run before any update: a bad 'b' leaves 'a' and the state untouched."""
    opt = Momentum(0.1)
    params = {"a": np.ones(2), "b": np.ones(2)}
    with pytest.raises(ValueError):
        opt.step(params, {"a": np.ones(2), "b": np.ones(3)})
    np.testing.assert_array_equal(params["a"], np.ones(2))
    assert opt.state == {}


def test_state_shape_change_needs_reset():
    opt = AdaGrad(0.1)
    opt.step({"w": np.zeros(2)}, {"w": np.ones(2)})
    with pytest.raises(ValueError, match=r"state for 'w' has shape \(2,\).*reset\(\)"):
        opt.step({"w": np.zeros(3)}, {"w": np.ones(3)})
    opt.reset()
    opt.step({"w": np.zeros(3)}, {"w": np.ones(3)})


@pytest.mark.parametrize(
    "cls, kwargs, pattern",
    [
        (GD, {"lr": 0.0}, "lr must be > 0"),
        (GD, {"lr": -0.1}, "lr must be > 0"),
        (GD, {"lr": float("nan")}, "lr must be finite"),
        (GD, {"lr": float("inf")}, "lr must be finite"),
        (Momentum, {"lr": 0.1, "rho": 1.0}, r"0 <= rho < 1"),
        (Momentum, {"lr": 0.1, "rho": -0.1}, r"0 <= rho < 1"),
        (Momentum, {"lr": -1.0}, "lr must be > 0"),
        (AdaGrad, {"lr": 0.1, "eps": 0.0}, "eps must be > 0"),
        (AdaGrad, {"lr": 0.0}, "lr must be > 0"),
        (AdaDelta, {"rho": 1.0}, r"0 <= rho < 1"),
        (AdaDelta, {"eps": -1e-6}, "eps must be > 0"),
        (RMSprop, {"lr": 0.1, "rho": 1.5}, r"0 <= rho < 1"),
        (RMSprop, {"lr": 0.1, "eps": 0}, "eps must be > 0"),
        (Adam, {"beta1": 1.0}, r"0 <= beta1 < 1"),
        (Adam, {"beta2": -0.5}, r"0 <= beta2 < 1"),
        (Adam, {"lr": 0}, "lr must be > 0"),
    ],
)
def test_bad_hyper_parameters(cls, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        cls(**kwargs)


@pytest.mark.parametrize("value", ["0.1", True, None, [0.1], np.array([0.1])])
@pytest.mark.parametrize("cls, name", [(GD, "lr"), (Momentum, "rho"), (Adam, "beta1"), (AdaGrad, "eps")])
def test_hyper_parameters_of_the_wrong_type_raise_type_error(cls, name, value):
    """One policy (nndl._validation): a wrong type is a TypeError, a wrong value a ValueError."""
    kwargs = {"lr": 0.1} if cls is not Adam else {}
    kwargs[name] = value
    with pytest.raises(TypeError, match=f"{name} must be a real number"):
        cls(**kwargs)


def test_boundary_hyper_parameters_are_accepted():
    Momentum(0.1, rho=0.0)
    AdaDelta(rho=0.0)
    Adam(beta1=0.0)
    assert "lr=0.5" in repr(GD(0.5))


# ------------------------------------------------------------------ convergence on ½xᵀAx
CONVERGENT = [
    # id, optimizer, step budget on A_DIAG, step budget on A_ROT (measured: see module docstring)
    ("GD lr=1/L", lambda: GD(1 / L_MAX), 800, 800),
    ("Momentum lr=1/L rho=0.9", lambda: Momentum(1 / L_MAX, rho=0.9), 350, 350),
    ("AdaGrad lr=1", lambda: AdaGrad(1.0), 100, 2000),
    ("Adam lr=0.1", lambda: Adam(0.1), 400, 1500),
]


@pytest.mark.parametrize("A", [A_DIAG, A_ROT], ids=["diag", "rotated"])
@pytest.mark.parametrize("name, make, budget_diag, budget_rot", CONVERGENT, ids=[c[0] for c in CONVERGENT])
def test_reaches_minimum_of_ill_conditioned_quadratic(name, make, budget_diag, budget_rot, A):
    budget = budget_diag if A is A_DIAG else budget_rot
    traj, values = minimize(quadratic(A), X0, make(), budget)
    assert norms(traj)[-20:].max() < TOL, f"{name}: ‖x‖ = {norms(traj)[-1]:.3g} after {budget}"
    assert values[-1] < 0.5 * L_MAX * TOL**2
    assert values[-1] < values[0]


def test_gd_step_count_matches_the_contraction_factor():
    """GD with λ = 1/L on diag(1, 50): x₁ shrinks by 1 − 1/50 per step, x₂ is 0 after one step,
    so ‖x_t‖ = 3·0.98^t < 1e-6 first at t = ⌈ln(3e6) / −ln 0.98⌉ = 739."""
    expected = math.ceil(math.log(3 / TOL) / -math.log(1 - 1 / L_MAX))
    assert expected == 739
    traj, _ = minimize(quadratic(A_DIAG), X0, GD(1 / L_MAX), 800)
    assert steps_to_stay_below(traj) == expected


def test_adadelta_reaches_minimum_of_rescaled_quadratic():
    """AdaDelta has no learning rate; on A/50 (curvatures 0.02 and 1, same condition number)."""
    for A in (A_DIAG / L_MAX, A_ROT / L_MAX):
        traj, _ = minimize(quadratic(A), X0, AdaDelta(), 2000)
        assert norms(traj)[-20:].max() < TOL


def test_adadelta_is_gd_with_rate_one_near_the_minimum():
    """With both averages ≪ ε, (3.25) is Δθ = −√ε/√ε · g = −g: GD with λ = 1, unstable when the
    curvature exceeds 2.  So on diag(1, 50) AdaDelta gets close and is then pushed out again."""
    x = np.array([1e-9])
    AdaDelta().step({"x": x}, {"x": 50.0 * x})
    np.testing.assert_allclose(x, [1e-9 - 50e-9], rtol=1e-6)
    traj, _ = minimize(quadratic(A_DIAG), X0, AdaDelta(), 6000)
    n = norms(traj)
    assert n[:1500].min() < 1e-2  # comes within 1e-2 (≈ 4.7e-3 at step 982) ...
    assert n[-1] > 3e-2  # ... then oscillates outwards in the stiff direction
    assert abs(traj[-1, 0]) < TOL  # the flat direction (curvature 1 < 2) did converge


def test_rmsprop_stalls_at_half_its_learning_rate():
    """Constant-lr RMSprop ends in the cycle x_i = ±lr/2: ‖x‖ < lr within 500 steps, no further."""
    lr = 0.01
    for A in (A_DIAG, A_ROT):
        traj, _ = minimize(quadratic(A), X0, RMSprop(lr), 3000)
        assert norms(traj)[500:].max() < lr
        np.testing.assert_allclose(np.abs(traj[-10:]), lr / 2, rtol=1e-3)


def test_gd_diverges_above_two_over_L():
    """On ½xᵀAx, GD multiplies the stiff coordinate by (1 − λL) each step: |1 − λL| > 1 iff λ > 2/L."""
    f = quadratic(A_DIAG)
    traj, values = minimize(f, X0, GD(2.1 / L_MAX), 100)
    assert np.all(np.diff(np.abs(traj[:, 1])) > 0) and norms(traj)[-1] > 1e3
    assert values[-1] > 1e6 * values[0]
    traj, _ = minimize(f, X0, GD(2.0 / L_MAX), 100)  # the boundary: oscillates, no decay
    np.testing.assert_allclose(np.abs(traj[:, 1]), 2.0, rtol=1e-12)
    traj, _ = minimize(f, X0, GD(1.9 / L_MAX), 500)  # just below: converges
    assert norms(traj)[-1] < 1e-6


# ----------------------------------------------------------------- erratum 9: momentum (3.22)
def literal_momentum_322(grad, x0, lr, rho, steps):
    """(3.22) as printed: θ_t = θ_{t−1} + (ρΔθ_t − λg_t), with Δθ_t := θ_t − θ_{t−1}.

    Δθ_t is on both sides: Δθ_t = ρΔθ_t − λg_t, so Δθ_t = −λg_t / (1 − ρ), g_t = ∇f(θ_{t−1}).
    """
    theta = np.array(x0, dtype=np.float64)
    out = [theta.copy()]
    for _ in range(steps):
        g = grad(theta)
        delta = -lr * g / (1 - rho)
        new = theta + delta
        # the solved Δθ satisfies the printed equation (up to rounding)
        np.testing.assert_allclose(new, theta + (rho * (new - theta) - lr * g), rtol=1e-12, atol=1e-300)
        theta = new
        out.append(theta.copy())
    return np.array(out)


def test_literal_momentum_is_plain_gd_exactly():
    """Erratum 9: the printed (3.22) is GD with rate λ/(1 − ρ); with dyadic λ and ρ bit for bit."""
    grad = lambda x: A_DIAG @ x
    lr, rho = 1 / 64, 0.5  # λ/(1 − ρ) = 1/32 < 2/L
    literal = literal_momentum_322(grad, X0, lr, rho, 200)
    gd, _ = minimize(quadratic(A_DIAG), X0, GD(lr / (1 - rho)), 200)
    np.testing.assert_array_equal(literal, gd)
    corrected, _ = minimize(quadratic(A_DIAG), X0, Momentum(lr, rho), 200)
    assert not np.allclose(corrected, gd)  # the real momentum is something else
    # With the draft's ρ = 0.9: rounding aside, still GD.
    literal = literal_momentum_322(grad, X0, 0.002, 0.9, 200)
    gd, _ = minimize(quadratic(A_DIAG), X0, GD(0.002 / 0.1), 200)
    np.testing.assert_allclose(literal, gd, rtol=1e-12, atol=1e-14)  # |x| ≤ 3: atol is rounding


def test_literal_momentum_diverges_where_momentum_converges():
    """With λ = 1/L and ρ = 0.9 the printed rule is GD at 10/L > 2/L; the corrected one converges."""
    grad = lambda x: A_DIAG @ x
    literal = literal_momentum_322(grad, X0, 1 / L_MAX, 0.9, 30)
    assert norms(literal)[-1] > 1e20
    corrected, _ = minimize(quadratic(A_DIAG), X0, Momentum(1 / L_MAX, 0.9), 350)
    assert norms(corrected)[-1] < TOL


# ------------------------------------------------------------------ erratum 10: AdaGrad (3.23)
def literal_adagrad_323(grads, theta0, lr):
    """(3.23) as printed, no ε: θ_t = θ_{t−1} − λ g_t / √Σ_τ g_τ²."""
    theta = np.array(theta0, dtype=np.float64)
    G = np.zeros_like(theta)
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        G += g * g
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = theta - lr / np.sqrt(G) * g
    return theta


def test_adagrad_without_eps_gives_nan_on_a_zero_gradient():
    grads = [[1.0, 0.0], [0.5, 0.0]]
    literal = literal_adagrad_323(grads, [1.0, 1.0], 0.1)
    assert not np.isnan(literal[0]) and np.isnan(literal[1])  # 0/0
    ours = run_steps(AdaGrad(0.1), [1.0, 1.0], grads)[-1]
    assert np.all(np.isfinite(ours)) and ours[1] == 1.0
    np.testing.assert_allclose(ours[0], literal[0], rtol=1e-7)  # ε changes nothing else


def test_adagrad_effective_learning_rate_is_non_increasing():
    """What shrinks is λ/(√Σg² + ε), measured as −Δθ/g from the updates, not the gradient."""
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(50, 4)) * rng.uniform(0.1, 10, size=(50, 1))
    grads[10:20, 2] = 1e-3  # small gradients: rate still falls
    traj = run_steps(AdaGrad(0.5), np.zeros(4), grads)
    effective = -np.diff(traj, axis=0) / grads
    assert np.all(np.diff(effective, axis=0) <= 1e-15)
    np.testing.assert_allclose(effective, 0.5 / (np.sqrt(np.cumsum(grads**2, axis=0)) + 1e-8), rtol=1e-9)
    # A constant gradient does not shrink, yet the steps go like λ/√t.
    steps = -np.diff(run_steps(AdaGrad(0.5), [0.0], [[1.0]] * 9)[:, 0])
    np.testing.assert_allclose(steps, 0.5 / np.sqrt(np.arange(1, 10)), rtol=1e-7)


# ----------------------------------------------------------------------------- minibatches
@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 200),
    batch_size=st.integers(1, 250),
    seed=st.integers(0, 2**32 - 1),
    shuffle=st.booleans(),
)
def test_minibatches_cover_every_index_once(n, batch_size, seed, shuffle):
    batches = list(minibatches(n, batch_size, rng=seed, shuffle=shuffle))
    assert len(batches) == math.ceil(n / batch_size)
    assert all(len(b) == batch_size for b in batches[:-1]) and 1 <= len(batches[-1]) <= batch_size
    everything = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(everything), np.arange(n))
    assert all(b.dtype.kind == "i" for b in batches)
    if not shuffle:
        np.testing.assert_array_equal(everything, np.arange(n))


def test_full_batch_and_single_sample():
    (only,) = minibatches(10, 10, rng=0)  # batch GD (3.19): one batch
    np.testing.assert_array_equal(np.sort(only), np.arange(10))
    assert len(list(minibatches(10, 64, rng=0))) == 1  # larger than n: still one batch
    singles = list(minibatches(10, 1, rng=0))  # SGD (3.21)
    assert len(singles) == 10 and all(b.shape == (1,) for b in singles)


def test_minibatches_shuffling_is_seeded():
    same = [np.concatenate(list(minibatches(50, 7, rng=s))) for s in (3, 3)]
    np.testing.assert_array_equal(*same)
    g1, g2 = np.random.default_rng(4), np.random.default_rng(4)
    np.testing.assert_array_equal(
        np.concatenate(list(minibatches(50, 7, rng=g1))), np.concatenate(list(minibatches(50, 7, rng=g2)))
    )
    # one Generator across epochs gives a new order each epoch
    e1, e2 = (np.concatenate(list(minibatches(50, 7, rng=g1))) for _ in range(2))
    assert not np.array_equal(e1, e2)
    assert not np.array_equal(same[0], np.concatenate(list(minibatches(50, 7, rng=5))))
    assert not np.array_equal(same[0], np.arange(50))


@pytest.mark.parametrize(
    "n, batch_size, exc",
    [
        (0, 1, ValueError),
        (10, 0, ValueError),
        (-3, 1, ValueError),
        (10.0, 2, TypeError),
        (10, 2.5, TypeError),
        (True, 1, TypeError),
    ],
)
def test_minibatches_errors_are_raised_immediately(n, batch_size, exc):
    with pytest.raises(exc):
        minibatches(n, batch_size)  # no need to iterate


# -------------------------------------------------------------------------------- minimize
def test_minimize_trajectory_and_values_by_hand():
    """GD on f(x) = 2x² (gradient 4x) with λ = 0.1: x_t = x_0·0.6^t, f_t = 2x_t²."""
    x0 = np.array([1.0])
    traj, values = minimize(lambda x: (2.0 * float(x[0] ** 2), 4.0 * x), x0, GD(0.1), 5)
    assert traj.shape == (6, 1) and values.shape == (6,)
    np.testing.assert_allclose(traj[:, 0], 0.6 ** np.arange(6), rtol=1e-14)
    np.testing.assert_allclose(values, 2.0 * 0.36 ** np.arange(6), rtol=1e-14)
    np.testing.assert_array_equal(x0, [1.0])  # x0 was copied


def test_minimize_shapes_dtypes_and_fresh_state():
    f = lambda x: (float(np.sum(x**2)), 2 * x)
    traj, values = minimize(f, [[1, 2], [3, 4]], Momentum(0.1), 3)  # int x0 -> float64
    assert traj.shape == (4, 2, 2) and traj.dtype == np.float64
    np.testing.assert_array_equal(traj[0], [[1, 2], [3, 4]])
    traj32, _ = minimize(f, np.ones(3, dtype=np.float32), GD(0.1), 2)
    assert traj32.dtype == np.float32
    opt = Adam(0.1)
    first, _ = minimize(quadratic(A_DIAG), X0, opt, 20)
    again, _ = minimize(quadratic(A_DIAG), X0, opt, 20)  # optimizer is reset at the start
    np.testing.assert_array_equal(first, again)
    traj, values = minimize(f, [1.0], GD(0.1), 0)
    assert traj.shape == (1, 1) and values.shape == (1,)


def test_minimize_errors():
    f = lambda x: (float(x @ x), 2 * x)
    with pytest.raises(ValueError, match=r"grads\['x'\] has shape \(3,\)"):
        minimize(lambda x: (0.0, np.zeros(3)), np.zeros(2), GD(0.1), 1)
    with pytest.raises(ValueError, match="scalar value"):
        minimize(lambda x: (x, x), np.zeros(2), GD(0.1), 1)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        minimize(f, np.zeros(2), GD(0.1), -1)
    with pytest.raises(TypeError, match="Optimizer"):
        minimize(f, np.zeros(2), "sgd", 1)
    with pytest.raises(TypeError, match="callable"):
        minimize(None, np.zeros(2), GD(0.1), 1)


def test_public_names():
    assert set(optim.__all__) == {
        "Optimizer",
        "GD",
        "Momentum",
        "AdaGrad",
        "AdaDelta",
        "RMSprop",
        "Adam",
        "minibatches",
        "minimize",
        "race_quadratic",
        "quadratic",
    }
    for cls in (GD, Momentum, AdaGrad, AdaDelta, RMSprop, Adam):
        assert issubclass(cls, optim.Optimizer)
    for cls, cite in (
        (GD, "(3.16)"),
        (Momentum, "(3.22)"),
        (AdaGrad, "(3.23)"),
        (AdaDelta, "(3.24)"),
        (RMSprop, "beyond the 2015 draft"),
        (Adam, "beyond the 2015 draft"),
    ):
        assert cite in cls.__doc__


def test_race_quadratic_has_the_requested_curvatures():
    A = optim.race_quadratic(condition=100.0)
    np.testing.assert_allclose(A, A.T)
    np.testing.assert_allclose(np.linalg.eigvalsh(A), [0.01, 1.0], rtol=1e-12)


def test_quadratic_value_and_gradient_match_finite_differences():
    from nndl.gradcheck import numerical_gradient, relative_error

    A = optim.race_quadratic(condition=10.0, angle_deg=35.0)
    value_and_grad = optim.quadratic(A)
    theta = np.array([0.7, -1.2])
    value, grad = value_and_grad(theta)
    assert value == pytest.approx(0.5 * theta @ A @ theta, rel=1e-14)
    assert relative_error(grad, numerical_gradient(lambda v: value_and_grad(v)[0], theta.copy())) < 1e-8
    with pytest.raises(ValueError, match="symmetric"):
        optim.quadratic([[1.0, 2.0], [0.0, 1.0]])
