"""Widgets that work live in JupyterLab *and* on the static site, with no kernel.

The pattern (see the design notes): compute a modest set of frames in Python, put them in a
`ipywidgets.Stack`, and link the control to the stack in the browser with `ipywidgets.jslink`.
The saved widget state then carries every frame, so the published page stays interactive.
"""

from __future__ import annotations

import base64
import functools
import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets.widgets.widget_string import HTMLStyle

from .data import legendre_features
from .linear import LinearRegression, gd_step_limit, ridge_gd_curves, squared_risk
from .nn import DEFAULT_GRADIENT_INITS, vanishing_gradients_runs
from .optim import GD, AdaDelta, AdaGrad, Adam, Momentum, minimize, quadratic, race_quadratic
from .plot import (
    FRAME_DENSITY,
    frame_style,
    frame_to_png,
    plot_contours,
    plot_finite_difference_errors,
    plot_loss_curves,
    plot_paths,
    plot_polynomial_fit,
    plot_train_val_errors,
    png_size,
)
from .rnn import gradient_flow_runs

__all__ = [
    "frame_slider",
    "frame_view",
    "labelled_slider",
    "finite_difference_explorer",
    "learning_rate_explorer",
    "optimizer_race",
    "default_race_optimizers",
    "regularization_explorer",
]

#: A slider row is as wide as its column up to this width; its parts (label, track, readout)
#: wrap onto a second line rather than push the readout off a narrow (phone) screen.
SLIDER_MAX_WIDTH = "560px"


def labelled_slider(labels, index: int, description: str) -> widgets.SelectionSlider:
    """A `SelectionSlider` over ``labels`` with a visible name and readout, sized for any screen.

    The description names the control and the readout shows the chosen label (the value a
    reader sees, e.g. "1e-05", not the index); `book/static/nndl-widgets.js` copies both onto
    the slider handle as aria-label and aria-valuetext for screen readers.
    """
    if not description:
        raise ValueError("a slider needs a description (its accessible name)")
    return widgets.SelectionSlider(
        options=[str(label) for label in labels],
        index=index,
        description=description,
        readout=True,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%", max_width=SLIDER_MAX_WIDTH, flex_flow="row wrap"),
    )


def frame_view(png: bytes, alt: str, layout=None, style=None) -> widgets.HTML:
    """One frame as an ``<img>`` with alt text, shown at its 1× size or the column's width.

    The PNG is rendered at `nndl.plot.FRAME_DENSITY` × its CSS size; ``width``/``height``
    attributes give the browser the aspect ratio before the image decodes (no layout shift).
    (`ipywidgets.Image` has no alt text, hence an HTML widget.)  Frames of one slider share
    one ``layout`` and ``style`` model, which keeps the saved widget state small.
    """
    if not alt or not alt.strip():
        raise ValueError("every frame needs alt text")
    w, h = png_size(png)
    w1, h1 = round(w / FRAME_DENSITY), round(h / FRAME_DENSITY)
    data = base64.b64encode(bytes(png)).decode("ascii")
    img = (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt.strip())}" '
        f'width="{w1}" height="{h1}" class="nndl-frame" '
        f'style="display:block;width:100%;max-width:{w1}px;height:auto">'
    )
    return widgets.HTML(img, layout=layout or widgets.Layout(width="100%"), style=style or HTMLStyle())


def frame_slider(frames, labels, description: str, start: int = 0, alt=None) -> widgets.VBox:
    """A slider over precomputed PNG ``frames``, one per label, linked in the browser.

    ``frames`` is a sequence of PNG bytes (from `nndl.plot.frame_to_png`), ``labels`` the
    slider's value names, one per frame, and ``alt`` the frames' alt texts: a sequence of
    strings, one per frame (default: "<description> = <label>").
    """
    frames, labels = list(frames), [str(label) for label in labels]
    if not frames or len(frames) != len(labels):
        raise ValueError(
            f"need one label per frame and at least one frame, got {len(frames)} "
            f"frames and {len(labels)} labels"
        )
    if not all(isinstance(f, (bytes, bytearray)) for f in frames):
        raise TypeError("frames must be PNG bytes, e.g. from nndl.plot.frame_to_png(fig)")
    if not 0 <= start < len(frames):
        raise ValueError(f"start must be in [0, {len(frames)}), got {start}")
    alts = [f"{description} = {label}" for label in labels] if alt is None else list(alt)
    if len(alts) != len(frames):
        raise ValueError(f"need one alt text per frame, got {len(alts)} for {len(frames)}")
    slider = labelled_slider(labels, start, description)
    layout, style = widgets.Layout(width="100%"), HTMLStyle()
    stack = widgets.Stack(
        [frame_view(f, a, layout, style) for f, a in zip(frames, alts)], selected_index=start, layout=layout
    )
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    return widgets.VBox([slider, stack], layout=widgets.Layout(width="100%"))


def _in_frame_style(builder):
    """Run a widget builder with the frames' font sizes (`nndl.plot.FRAME_RC`)."""

    @functools.wraps(builder)
    def build(*args, **kwargs):
        with frame_style():
            return builder(*args, **kwargs)

    return build


def _two_rows(height: float = 4.6):
    """A frame of two panels, one above the other (narrow enough for a phone's column)."""
    return plt.subplots(2, 1, figsize=(5.6, height))


def _render(fig, colors: int = 32, tight: bool = True) -> bytes:
    if tight:
        fig.tight_layout()
    return frame_to_png(fig, colors=colors)


@_in_frame_style
def finite_difference_explorer(f, derivative, x0: float, steps, name: str = "f") -> widgets.VBox:
    """Slide the step h and watch truncation and round-off error trade places (eq. 2.17).

    One frame per step in ``steps``; each shows the forward- and central-difference errors of
    ``derivative(x0)`` against h, with the chosen h marked.
    """
    steps = np.sort(np.asarray(steps, dtype=float))  # ascending, so the marker moves with the slider
    frames, alts = [], []
    for h in steps:
        fig, ax = plt.subplots(figsize=(5.6, 3.6))
        plot_finite_difference_errors(f, derivative, x0, steps, highlight=h, ax=ax, name=name)
        frames.append(_render(fig, colors=16))
        alts.append(
            f"Log-log plot of the forward- and central-difference errors of "
            f"{name}'({x0:g}) against the step h from {steps[0]:.0e} to "
            f"{steps[-1]:.0e}, with h = {h:.0e} marked"
        )
    start = int(np.argmin(np.abs(np.log10(steps) + 5)))  # open near the sweet spot h ≈ 1e-5
    return frame_slider(frames, [f"{h:.0e}" for h in steps], description="step h", start=start, alt=alts)


# ------------------------------------------------------------------ chapter 3 (draft 3.1.4)
def _augmented_one_feature(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"x must hold one feature, shape (N,) or (N, 1) with N >= 2, got shape {x.shape}")
    return np.column_stack([np.ones_like(x), x])


@_in_frame_style
def learning_rate_explorer(x, y, factors=(0.05, 0.5, 0.8, 0.95, 1.1), steps: int = 60) -> widgets.VBox:
    """Gradient descent (3.16) on one-feature linear regression, one frame per learning rate.

    The risk R(b, w) = mean((b + w x − y)²) (`nndl.linear.squared_risk`) is a quadratic with
    Hessian H = (2/N) X̂ᵀX̂, so GD converges iff 0 < lr < 2/L, L the largest eigenvalue of H
    (`nndl.linear.gd_step_limit`).  The learning rates are ``factors`` × 2/L; each frame shows
    the GD path from (0, 0) on the contours of R (top) and R(θ_t) − R* against t on a log axis
    for every rate, the chosen one highlighted (below).
    """
    Xh = _augmented_one_feature(x)
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (Xh.shape[0],):
        raise ValueError(f"y must have shape ({Xh.shape[0]},) like x, got {y.shape}")
    factors = [float(f) for f in factors]
    if not factors or min(factors) <= 0:
        raise ValueError("factors must be positive multiples of 2/L")
    limit = gd_step_limit(Xh)  # 2/L
    best = LinearRegression().fit_normal_equations(Xh[:, 1:], y)
    theta_star = np.array([float(best.params["b"]), float(best.params["w"][0])])

    def risk(thetas):  # R at many points (m, 2) -> (m,), for the contours
        return np.mean((np.atleast_2d(thetas) @ Xh.T - y) ** 2, axis=1)

    r_star = squared_risk(Xh, y)(theta_star)[0]

    runs = [minimize(squared_risk(Xh, y), np.zeros(2), GD(f * limit), steps) for f in factors]
    gaps = [np.abs(values - r_star) for _, values in runs]
    span = max(np.abs(theta_star).max(), 1.0) * 1.6
    xlim = (theta_star[0] - span, theta_star[0] + span)
    ylim = (theta_star[1] - span, theta_star[1] + span)
    labels = [f"{f:g}×2/L" for f in factors]
    frames, alts = [], []
    for k, ((path, values), f) in enumerate(zip(runs, factors)):
        fig, (ax0, ax1) = _two_rows()
        plot_contours(risk, xlim, ylim, ax0, levels=10)
        plot_paths([path], ax0, colors=[f"C{k}"])
        ax0.plot(*theta_star, "*", color="black", ms=10)
        ax0.set_xlabel("bias b")
        ax0.set_ylabel("weight w")
        fate = "diverges" if values[-1] > values[0] else "converges"
        ax0.set_title(f"lr = {f * limit:.3g} = {labels[k]}: {fate}")
        plot_loss_curves(
            gaps, ax1, colors=[f"C{j}" for j in range(len(factors))], highlight=k, floor=1e-10, ceiling=1e6
        )
        ax1.set_ylim(1e-10, 1e6)
        ax1.set_xlabel("step t")
        ax1.set_ylabel("R(θ_t) − R*")
        ax1.set_title(f"all {len(factors)} rates (grey), this one in colour")
        frames.append(_render(fig))
        alts.append(
            f"Top: gradient-descent path from (0, 0) on the contours of the risk with "
            f"learning rate {labels[k]}, which {fate}. Bottom: R(θ_t) − R* against "
            f"the step t for all {len(factors)} rates, this one highlighted"
        )
    start = int(np.argmin(np.abs(np.asarray(factors) - 0.5)))
    return frame_slider(frames, labels, description="learning rate", start=start, alt=alts)


def default_race_optimizers():
    """The five optimizers of the race, as (name, optimizer) pairs (hyper-parameters documented).

    GD just below its stability limit 2/L = 2, momentum with the draft's ρ = 0.9, AdaGrad,
    AdaDelta (no learning rate; ε = 1e-3 rather than Zeiler's 1e-6 so that it gets going within
    the race) and Adam (beyond the draft).
    """
    return [
        ("GD", GD(lr=1.8)),
        ("Momentum", Momentum(lr=0.5, rho=0.9)),
        ("AdaGrad", AdaGrad(lr=2.0)),
        ("AdaDelta", AdaDelta(rho=0.95, eps=1e-3)),
        ("Adam", Adam(lr=0.5)),
    ]


RACE_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


@_in_frame_style
def optimizer_race(
    A=None, x0=(-4.5, 1.0), optimizers=None, checkpoints=(0, 10, 40, 160, 320)
) -> widgets.VBox:
    """Race optimizers on the ill-conditioned quadratic f(θ) = ½ θᵀAθ; slider over the step count.

    Each frame shows every trajectory up to that step on the contours of f (top) and f(θ_t)
    against t (below).  ``optimizers`` is a list of (name, `nndl.optim.Optimizer`) pairs, by
    default `default_race_optimizers()`; ``A`` defaults to `race_quadratic()` (condition 100).
    """
    A = race_quadratic() if A is None else np.asarray(A, dtype=np.float64)
    if A.shape != (2, 2) or not np.allclose(A, A.T) or np.linalg.eigvalsh(A).min() <= 0:
        raise ValueError("A must be a symmetric positive definite 2×2 matrix")
    x0 = np.asarray(x0, dtype=np.float64)
    optimizers = default_race_optimizers() if optimizers is None else list(optimizers)
    checkpoints = sorted({int(c) for c in checkpoints})
    if not checkpoints or checkpoints[0] < 0:
        raise ValueError("checkpoints must be non-negative step counts")
    steps = checkpoints[-1]

    def f(points):
        return 0.5 * np.einsum("ni,ij,nj->n", points, A, points)

    runs = [minimize(quadratic(A), x0, opt, steps) for _, opt in optimizers]
    names = [name for name, _ in optimizers]
    points = np.concatenate([path for path, _ in runs])
    points = points[np.all(np.abs(points) <= 3 * np.abs(x0).max(), axis=1)]  # ignore divergence
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.12 * (hi - lo).max()
    xlim, ylim = (lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad)
    colors = [RACE_COLORS[k % len(RACE_COLORS)] for k in range(len(runs))]
    frames = []
    for c in checkpoints:
        fig, (ax0, ax1) = _two_rows()
        plot_contours(f, xlim, ylim, ax0, levels=10)
        plot_paths([path for path, _ in runs], ax0, labels=names, colors=colors, upto=c, markers=False)
        ax0.plot(0, 0, "*", color="black", ms=10)
        ax0.set_xlabel("θ₁")
        ax0.set_ylabel("θ₂")
        ax0.set_title(f"trajectories after {c} steps")
        plot_loss_curves(
            [values for _, values in runs], ax1, labels=names, colors=colors, upto=c, floor=1e-16
        )
        ax1.set_xlim(0, steps)
        ax1.set_ylim(1e-16, 10 * max(values[0] for _, values in runs))
        ax1.set_xlabel("step t")
        ax1.set_ylabel("f(θ_t)")
        ax1.legend(loc="lower left", fontsize="small", ncol=2)
        frames.append(_render(fig))
    alts = [
        f"Top: the paths of {', '.join(names)} after {c} steps on the contours of an "
        f"ill-conditioned quadratic. Bottom: f(θ_t) against the step t, log scale"
        for c in checkpoints
    ]
    return frame_slider(frames, checkpoints, description="steps", start=min(3, len(frames) - 1), alt=alts)


# ----------------------------------------------------------- chapter 3: regularisation (3.5)
@_in_frame_style
def regularization_explorer(
    x_train,
    y_train,
    x_val,
    y_val,
    degree: int = 9,
    lambdas=(0.0, 1e-6, 1e-4, 1e-2, 1.0),
    truth=None,
    epochs: int = 100_000,
) -> widgets.VBox:
    """L2 regularisation (3.5)–(3.6) and early stopping on a polynomial fit; slider over λ.

    Features: Legendre polynomials up to ``degree``.  Top: the ridge fit (exact minimiser of the
    mean squared error + λ‖w‖², via `nndl.linear.LinearRegression`); bottom left: its training
    and validation error against λ; bottom right: training and validation error during gradient
    descent
    from w = 0 with the same λ, the early-stopping epoch (smallest validation error) marked.
    """
    x_train, y_train = np.asarray(x_train, float), np.asarray(y_train, float)
    x_val, y_val = np.asarray(x_val, float), np.asarray(y_val, float)
    lambdas = [float(v) for v in lambdas]
    F_train, F_val = legendre_features(x_train, degree), legendre_features(x_val, degree)
    grid = np.linspace(x_train.min(), x_train.max(), 200)
    F_grid = legendre_features(grid, degree)
    fits, train_err, val_err = [], [], []
    for lam in lambdas:
        model = LinearRegression(l2=2 * lam).fit_normal_equations(F_train, y_train)  # the draft's λ‖w‖²
        fits.append(model.predict(F_grid))
        train_err.append(model.data_loss(F_train, y_train))
        val_err.append(model.data_loss(F_val, y_val))
    record = np.unique(np.round(np.geomspace(1, epochs, 40)).astype(int))
    # the draft's λ‖w‖² is (2λ/2)‖w‖² in the package's convention, as in the panel above
    _, gd_train, gd_val = ridge_gd_curves(
        F_train, y_train, F_val, y_val, [2 * lam for lam in lambdas], epochs, record
    )
    ticks = ["0" if lam == 0 else f"1e{int(np.round(np.log10(lam)))}" for lam in lambdas]
    lo = 0.5 * min(np.min(train_err), gd_train.min())
    hi = 2.0 * max(np.max(val_err), gd_val.max())
    ylim_fit = (y_train.min() - 0.6 * np.ptp(y_train), y_train.max() + 0.6 * np.ptp(y_train))
    frames, alts = [], []
    for k in range(len(lambdas)):
        fig = plt.figure(figsize=(5.6, 5.0), layout="constrained")
        grid_spec = fig.add_gridspec(2, 2)
        axes = [
            fig.add_subplot(grid_spec[0, :]),
            fig.add_subplot(grid_spec[1, 0]),
            fig.add_subplot(grid_spec[1, 1]),
        ]
        plot_polynomial_fit(x_train, y_train, grid, fits[k], axes[0], truth=truth, label="ridge fit")
        axes[0].set_ylim(*ylim_fit)
        axes[0].set_title(f"degree {degree}, λ = {ticks[k]}")
        axes[0].legend(fontsize="small", loc="lower right", ncol=3)
        plot_train_val_errors(
            lambdas, train_err, val_err, axes[1], highlight=k, xlabel="λ", xticklabels=ticks
        )
        axes[1].set_ylim(lo, hi)
        axes[1].set_title("exact minimiser")
        axes[1].legend(fontsize="small", loc="upper right")
        plot_train_val_errors(record, gd_train[:, k], gd_val[:, k], axes[2], logx=True, xlabel="GD epoch")
        best = int(np.argmin(gd_val[:, k]))
        axes[2].plot(record[best], gd_val[best, k], "v", color="C3", ms=8, label="early stop")
        axes[2].set_ylim(lo, hi)
        axes[2].set_ylabel("")
        axes[2].set_title("gradient descent, same λ")
        axes[2].legend(fontsize="small", loc="upper left")
        frames.append(_render(fig, tight=False))
        alts.append(
            f"Top: the degree-{degree} ridge fit with λ = {ticks[k]} through the "
            f"training points. Bottom: training and validation error against λ, and "
            f"during gradient descent with the same λ, the early stop marked"
        )
    return frame_slider(frames, ticks, description="λ", start=0, alt=alts)


# ------------------------------------------------------------------ chapter 4: the perceptron
@_in_frame_style
def perceptron_margin_explorer(
    margins=(0.03, 0.06, 0.12, 0.24), n: int = 40, rng=0, max_frames: int = 7
) -> widgets.VBox:
    """Two sliders: a margin γ that regenerates a separable 2-D set, and the update index k.

    For each margin, `nndl.perceptron.make_separable` draws ``n`` points (same seed) whose margin
    under a random unit w* is at least γ, Algorithm 4.1 runs on the augmented points, and one
    frame is drawn per update (at most ``max_frames``, always the first and the last), showing the
    boundary of w_k, the sample that caused update k, K and the bound R²/γ² of Theorem 4.1 with
    the best margin.  The margin slider selects a `frame_slider` of updates in a `Stack`, both
    linked in the browser, so the widget works on the static site.
    """
    from . import perceptron as P
    from .plot import plot_perceptron_state

    margins = [float(m) for m in margins]
    if not margins or any(m <= 0 for m in margins):
        raise ValueError(f"margins must be a non-empty sequence of positive numbers, got {margins}")
    if max_frames < 2:
        raise ValueError(f"max_frames must be at least 2 (first and last update), got {max_frames}")
    panels = []
    for gamma in margins:
        X, y, w_star = P.make_separable(n, gamma, rng=rng)
        Xa = P.augment(X)
        run = P.perceptron(Xa, y)
        best = P.max_margin(Xa, y)
        R, K = P.radius(Xa), run.n_updates
        ks = np.unique(np.round(np.linspace(0, K, min(K + 1, max_frames))).astype(int))
        frames, alts = [], []
        for k in ks:
            fig, ax = plt.subplots(figsize=(4.6, 4.4))
            plot_perceptron_state(
                X,
                y,
                run.weights[k],
                ax,
                w_star=w_star,
                highlight=None if k == 0 else int(run.indices[k - 1]),
                title=f"margin ≥ {gamma:.2f} (best γ = {best.gamma:.3f}), "
                f"R = {R:.2f}\nupdate k = {k} of K = {K}; "
                f"bound R²/γ² = {R**2 / best.gamma**2:.0f}",
            )
            frames.append(_render(fig, colors=16))
            alts.append(
                f"{n} points with margin at least {gamma:.2f} and the perceptron's "
                f"decision boundary after update {k} of {K}"
                + ("" if k == 0 else ", the misclassified point that caused it circled")
            )
        panels.append(frame_slider(frames, [str(k) for k in ks], description="update k", alt=alts))
    stack = widgets.Stack(panels, selected_index=len(margins) // 2, layout=widgets.Layout(width="100%"))
    slider = labelled_slider([f"{m:.2f}" for m in margins], len(margins) // 2, "margin γ")
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    # The update slider comes first in the page (so each slider sits next to its own picture in
    # the document order) but is shown below the margin slider.
    return widgets.VBox([stack, slider], layout=widgets.Layout(width="100%", flex_flow="column-reverse"))


__all__ += ["perceptron_margin_explorer"]


# ---------------------------------------------------------- chapter 5: vanishing gradients (5.4)
@_in_frame_style
def vanishing_gradients_explorer(
    X,
    y,
    depths=(4, 10),
    activations=("logistic", "tanh", "relu"),
    inits=DEFAULT_GRADIENT_INITS,
    width: int = 32,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 0.02,
    rng=0,
) -> widgets.VBox:
    """Section 5.4 as a slider over (depth, initialization, activation): one frame each.

    Top: ‖δ⁽ˡ⁾‖ per layer on a log axis for a freshly initialized network, the chosen activation
    bold and the other activations of the same depth and initialization faint.  Bottom: the
    training loss of the same networks during training (`vanishing_gradients_runs`).  The y axes
    are shared by all frames so that frames can be compared.
    """
    from .plot import plot_delta_norms

    runs = vanishing_gradients_runs(X, y, depths, activations, inits, width, epochs, batch_size, lr, rng)
    all_d = np.concatenate([r["deltas"] for r in runs])
    positive = all_d[all_d > 0]
    d_lim = (max(positive.min() / 3, 1e-40), positive.max() * 3)
    all_l = np.concatenate([r["loss"] for r in runs])
    l_lim = (max(all_l.min() / 2, 1e-3), all_l.max() * 1.5)
    colors = {a: f"C{k}" for k, a in enumerate(activations)}
    frames, labels, alts = [], [], []
    for r in runs:
        group = [s for s in runs if s["depth"] == r["depth"] and s["init"] == r["init"]]
        k = group.index(r)
        fig, (ax0, ax1) = _two_rows()
        plot_delta_norms(
            [s["deltas"] for s in group],
            ax0,
            labels=[s["activation"] for s in group],
            colors=[colors[s["activation"]] for s in group],
            highlight=k,
            ylim=d_lim,
        )
        ratio = r["deltas"][0] / r["deltas"][-1]
        ax0.set_title(f"{r['depth']} layers, {r['init']}, {r['activation']}: ‖δ¹‖/‖δᴸ‖ = {ratio:.1e}")
        ax0.set_xticks(range(1, r["depth"] + 1))
        ax0.legend(fontsize="small", loc="lower right")
        for j, s in enumerate(group):
            ax1.plot(
                np.arange(s["loss"].size),
                s["loss"],
                color=colors[s["activation"]],
                lw=2.2 if j == k else 1.0,
                alpha=1.0 if j == k else 0.45,
                label=s["activation"],
            )
        ax1.set_yscale("log")
        ax1.set_ylim(*l_lim)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("training loss")
        ax1.set_title(f"training (momentum SGD): final accuracy {r['accuracy']:.2f}")
        ax1.grid(True, which="major", alpha=0.3)
        frames.append(_render(fig))
        labels.append(f"{r['depth']} layers · {r['init']} · {r['activation']}")
        alts.append(
            f"Top: the norm of δ in each of the {r['depth']} layers of a "
            f"{r['activation']} network initialized with {r['init']}, log scale, the "
            f"other activations faint. Bottom: the training loss per epoch"
        )
    start = next(
        (i for i, r in enumerate(runs) if r["depth"] == max(depths) and r["activation"] == activations[0]), 0
    )
    return frame_slider(frames, labels, description="network", start=start, alt=alts)


__all__ += ["vanishing_gradients_explorer"]


# ---------------------------------------------------------- chapter 6: filters on an image
@_in_frame_style
def filter_explorer(image, kernels=("mean", "gaussian", "edge-x", "edge-y"), sizes=(3, 5, 7)) -> widgets.VBox:
    """Classic filters on an image: toggle buttons choose the kernel, a slider its size.

    Every (kernel, size) frame is precomputed (image, kernel, image ⊗ kernel); the buttons select
    a page of an outer `Stack` and each page is a `frame_slider` over the sizes, all linked with
    `jslink`, so the saved widget works on the static site with no kernel.
    """
    from .conv import filter_kernel
    from .plot import plot_filter_response

    image = np.asarray(image, dtype=float)
    kernels, sizes = list(kernels), list(sizes)
    if image.ndim != 2:
        raise ValueError(f"image must be a single 2-D image (H, W), got shape {image.shape}")
    pages = []
    for name in kernels:
        frames = []
        for size in sizes:
            fig, axes = plt.subplots(1, 3, figsize=(6.0, 2.5))
            plot_filter_response(image, filter_kernel(name, size), axes, title=name)
            frames.append(_render(fig))
        alts = [f"The image, the {s}×{s} {name} kernel and the image convolved with it" for s in sizes]
        pages.append(frame_slider(frames, [f"{s}×{s}" for s in sizes], description="size", alt=alts))
    buttons = widgets.ToggleButtons(
        options=kernels,
        index=0,
        description="kernel",
        style={"description_width": "initial", "button_width": "auto"},
        layout=widgets.Layout(width="100%", flex_flow="row wrap"),
    )
    stack = widgets.Stack(pages, selected_index=0, layout=widgets.Layout(width="100%"))
    widgets.jslink((buttons, "index"), (stack, "selected_index"))
    return widgets.VBox([buttons, stack], layout=widgets.Layout(width="100%"))


__all__ += ["filter_explorer"]


# ------------------------------------------------ chapter 7: exploding and vanishing gradients
@_in_frame_style
def gradient_flow_explorer(
    rhos=(0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0), hidden: int = 32, steps: int = 60, rng=0
) -> widgets.VBox:
    """Section 7.1.1 as a slider over the spectral radius ρ of U: one frame per ρ.

    Each frame plots ‖∂h_t/∂h_0‖ against t for the linear and the tanh SRN and the tanh bound
    (7.10) (`gradient_flow_runs`), on shared log axes so that frames can be compared.
    """
    from .plot import plot_jacobian_norms

    runs = gradient_flow_runs(rhos, hidden, steps, rng=rng)
    frames = []
    for r in runs:
        fig, ax = plt.subplots(figsize=(5.6, 3.4))
        plot_jacobian_norms(
            [r["linear"], r["tanh"], r["bound"]],
            ax,
            labels=["linear f", "tanh f", "tanh: bound (7.10)"],
            colors=["C0", "C3", "C3"],
            styles=["-", "-", "--"],
        )
        ax.set_title(
            f"ρ(U) = {r['rho']:g}: after {steps} steps linear {r['linear'][-1]:.1e}, tanh {r['tanh'][-1]:.1e}"
        )
        ax.legend(fontsize="small", loc="upper left")
        frames.append(_render(fig, colors=16))
    start = next((k for k, r in enumerate(runs) if r["rho"] == 1.0), 0)
    alts = [
        f"The norm of the Jacobian of h_t with respect to h_0 against t, log scale, for "
        f"spectral radius ρ(U) = {r['rho']:g}: linear network, tanh network and the "
        f"tanh bound (7.10)"
        for r in runs
    ]
    return frame_slider(frames, [f"{r['rho']:g}" for r in runs], description="ρ(U)", start=start, alt=alts)


__all__ += ["gradient_flow_explorer"]
