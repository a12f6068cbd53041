"""Figures shared by the notebooks and the widgets (matplotlib, imported only when used), and
`show_source`, which puts a library function's code on the page."""

from __future__ import annotations

import inspect
import io
import struct

import matplotlib.pyplot as plt
import numpy as np

from .gradcheck import finite_difference_errors

__all__ = [
    "show_source",
    "SourceCode",
    "figure_to_png",
    "frame_to_png",
    "frame_style",
    "png_size",
    "smallest_text_pt",
    "FRAME_DENSITY",
    "FRAME_DPI",
    "plot_timeline",
    "plot_finite_difference_errors",
    "plot_contours",
    "plot_paths",
    "plot_loss_curves",
    "plot_polynomial_fit",
    "plot_train_val_errors",
]


class SourceCode:
    """Source text that a notebook shows highlighted: a fenced ``python`` block as text/markdown
    (JupyterLab and the site's MyST renderer highlight it) and the plain text as text/plain."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.text}```\n"

    def __repr__(self) -> str:
        return self.text.rstrip("\n")


def show_source(*functions, max_width: int = 76) -> SourceCode:
    """The source of ``functions`` (``inspect.getsource``, separated by a blank line) for display.

    Read from the installed code each time, so a page that shows it cannot drift from what runs.
    A line wider than ``max_width`` (the notebook's 76-column output box) is a ValueError naming it.
    """
    if not functions:
        raise TypeError("show_source needs at least one function")
    parts = []
    for func in functions:
        if not (inspect.isfunction(func) or inspect.isclass(func) or inspect.ismethod(func)):
            raise TypeError(f"show_source shows functions, classes and methods, got {func!r}")
        text = inspect.getsource(func)
        for number, line in enumerate(text.splitlines(), start=1):
            if len(line) > max_width:
                raise ValueError(
                    f"line {number} of {func.__qualname__} is {len(line)} characters wide, "
                    f"more than max_width = {max_width}: {line.strip()[:40]!r}"
                )
        parts.append(text)
    return SourceCode("\n\n".join(parts))


def figure_to_png(fig, dpi: int = 80, colors: int | None = 64, method: str = "mediancut") -> bytes:
    """Render a figure to PNG bytes on a white background and close it (used for widget frames).

    With ``colors`` set, the image is quantized to that many palette colours, which keeps line
    plots sharp and cuts their size about threefold: widget frames are stored in the notebook.
    ``method`` is Pillow's quantizer: ``"mediancut"`` (the default) or ``"fastoctree"``, which
    keeps thin lines of several distinct colours apart and makes smaller files.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    plt.close(fig)
    if colors is None:
        return buf.getvalue()
    from PIL import Image  # Pillow is a dependency of matplotlib

    methods = {"mediancut": Image.Quantize.MEDIANCUT, "fastoctree": Image.Quantize.FASTOCTREE}
    if method not in methods:
        raise ValueError(f"method must be one of {sorted(methods)}, got {method!r}")
    buf.seek(0)
    out = io.BytesIO()
    Image.open(buf).convert("RGB").quantize(colors=colors, method=methods[method]).save(
        out, format="PNG", optimize=True
    )
    return out.getvalue()


# ------------------------------------------------------------------------- widget frames
#: Widget frames are drawn so that 1 pt of text is 1 CSS px at the frame's natural (1×) size
#: (72 px per inch) and rendered at FRAME_DENSITY times that, so that text stays sharp on
#: high-density screens (phones, laptops with a scale factor of 2).
FRAME_DENSITY = 2
#: The dpi at which frames are rendered: 72 px per inch × `FRAME_DENSITY`.
FRAME_DPI = 72 * FRAME_DENSITY
#: Font sizes of widget frames, in pt (= CSS px at 1×). Frames are at most about 480 CSS px
#: wide, so on a phone (a 360 px column) the smallest text (10 pt, "small") still shows at
#: 7.5 px or more; on a desktop it shows at its natural size.
FRAME_RC = {
    "font.size": 12,
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
}


def frame_style():
    """A context in which figures get the widget frames' font sizes (`FRAME_RC`)."""
    return plt.rc_context(FRAME_RC)


def frame_to_png(fig, colors: int = 32, method: str = "fastoctree") -> bytes:
    """Render a widget frame at `FRAME_DPI` (2× its CSS size), palette-quantized, and close it."""
    return figure_to_png(fig, dpi=FRAME_DPI, colors=colors, method=method)


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's header."""
    png = bytes(png)
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image (no PNG signature and IHDR header)")
    return struct.unpack(">II", png[16:24])


def smallest_text_pt(fig) -> float:
    """The font size (pt) of the smallest visible, non-empty text of a drawn figure."""
    fig.canvas.draw()
    sizes = [
        t.get_fontsize()
        for t in fig.findobj(lambda a: hasattr(a, "get_fontsize"))
        if t.get_visible() and t.get_text().strip() and t.get_window_extent().width > 0
    ]
    return min(sizes)


def plot_timeline(events, ax=None, title: str = ""):
    """Draw ``events``, a sequence of ``(year, label)``, as a labelled horizontal timeline."""
    events = sorted(events)
    if not events:
        raise ValueError("plot_timeline needs at least one (year, label) event")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 2.8))
    years = [year for year, _ in events]
    ax.axhline(0, color="0.4", lw=1.5, zorder=1)
    ax.scatter(years, np.zeros(len(years)), s=60, color="tab:blue", zorder=2)
    for k, (year, label) in enumerate(events):
        up = 1 if k % 2 == 0 else -1
        ax.plot([year, year], [0, 0.55 * up], color="0.6", lw=0.8, zorder=0)
        ax.annotate(
            f"{year}\n{label}", (year, 0.6 * up), ha="center", va="bottom" if up > 0 else "top", fontsize=9
        )
    span = years[-1] - years[0]
    ax.set_xlim(years[0] - 0.08 * span - 1, years[-1] + 0.08 * span + 1)
    ax.set_ylim(-1.9, 1.9)
    ax.set_yticks([])
    ax.set_xlabel("year")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def plot_finite_difference_errors(f, derivative, x0, steps, highlight=None, ax=None, name="f"):
    """Log-log plot of the forward- and central-difference errors of f'(x0) against the step h.

    Dashed guide lines show the slopes the theory predicts: h (forward truncation), h² (central
    truncation) and 1/h (round-off).  ``highlight`` marks one step, as the widget's slider does.
    """
    steps = np.asarray(steps, dtype=float)
    forward, central = finite_difference_errors(f, derivative, x0, steps)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4))
    tiny = np.finfo(float).tiny  # an exact zero error cannot be drawn on a log axis
    ax.loglog(steps, np.maximum(forward, tiny), "o-", label="forward difference", color="tab:orange")
    ax.loglog(steps, np.maximum(central, tiny), "s-", label="central difference", color="tab:blue")
    eps = np.finfo(float).eps
    ax.loglog(steps, eps / steps, "k:", lw=1, label="round-off ~ ε/h")
    ax.loglog(steps, steps, "--", color="tab:orange", lw=0.8, alpha=0.6, label="~ h")
    ax.loglog(steps, steps**2, "--", color="tab:blue", lw=0.8, alpha=0.6, label="~ h²")
    ax.set_ylim(1e-17, 1e1)
    ax.set_xlabel("step h")
    ax.set_ylabel(f"|finite difference − {name}'(x0)|")
    if highlight is not None:
        k = int(np.argmin(np.abs(np.log(steps) - np.log(highlight))))
        ax.axvline(steps[k], color="0.5", lw=1)
        ax.set_title(
            f"h = {steps[k]:.0e}: forward error {forward[k]:.1e}, central error {central[k]:.1e}",
            fontsize="medium",
        )
    ax.legend(fontsize="small", loc="lower left", ncol=2)
    ax.grid(True, which="major", alpha=0.3)
    return ax


# ------------------------------------------------------------------ chapter 3: optimisation
def _plain_log_ticks(ax, which: str = "y") -> None:
    """Label a log axis '1e-3' instead of with mathtext: much faster to draw, same information."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_locator(LogLocator(base=10, numticks=8))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{int(round(np.log10(v)))}" if v > 0 else ""))
    axis.set_minor_formatter(NullFormatter())


def plot_contours(value_fn, xlim, ylim, ax, levels=12, resolution=121, log_levels=True):
    """Contour lines of a function of two parameters, ``value_fn(points (n, 2)) -> (n,)``.

    Levels are spaced logarithmically between the smallest and largest value on the grid (so
    the narrow valley of an ill-conditioned quadratic is visible), or linearly.
    """
    gx, gy = np.linspace(*xlim, resolution), np.linspace(*ylim, resolution)
    XX, YY = np.meshgrid(gx, gy)
    ZZ = np.asarray(value_fn(np.column_stack([XX.ravel(), YY.ravel()]))).reshape(XX.shape)
    if log_levels:
        lo, hi = max(ZZ.min(), 1e-12), ZZ.max()
        lv = np.geomspace(lo + 0.02 * (hi - lo), hi, levels)
    else:
        lv = np.linspace(ZZ.min(), ZZ.max(), levels + 2)[1:-1]
    ax.contour(XX, YY, ZZ, levels=lv, colors="0.75", linewidths=0.8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax


def plot_paths(paths, ax, labels=None, colors=None, upto=None, markers=True):
    """Draw optimisation trajectories (each (T+1, 2)) up to step ``upto`` on ``ax``.

    Points outside the axes' current limits are drawn too but clipped by matplotlib; a path that
    diverges simply leaves the picture.
    """
    colors = colors or [f"C{k}" for k in range(len(paths))]
    labels = labels or [None] * len(paths)
    for path, label, color in zip(paths, labels, colors):
        path = np.asarray(path)
        p = path if upto is None else path[: upto + 1]
        ax.plot(p[:, 0], p[:, 1], "-", color=color, lw=1.6, label=label)
        if markers:
            ax.plot(p[:, 0], p[:, 1], "o", color=color, ms=2.5)
        ax.plot(p[-1, 0], p[-1, 1], "o", color=color, ms=6, mec="black", mew=0.6)
    return ax


def plot_loss_curves(
    curves, ax, labels=None, colors=None, highlight=None, upto=None, floor=1e-12, ceiling=None, logx=False
):
    """Loss (or loss above its minimum) against the step, log y axis; one curve per array.

    ``highlight`` (an index) draws one curve thick and the others thin and grey; ``upto`` cuts
    every curve after that step.  Values are clipped to [floor, ceiling] so that exact zeros and
    divergent runs stay on the plot.
    """
    labels = labels or [None] * len(curves)
    colors = colors or [f"C{k}" for k in range(len(curves))]
    for k, (curve, label, color) in enumerate(zip(curves, labels, colors)):
        c = np.asarray(curve, dtype=float)
        c = c if upto is None else c[: upto + 1]
        c = np.clip(np.nan_to_num(c, nan=np.inf), floor, ceiling if ceiling is not None else np.inf)
        steps = np.arange(c.size) + (1 if logx else 0)  # step 0 cannot go on a log axis
        if highlight is None:
            ax.plot(steps, c, color=color, lw=1.6, label=label)
        elif k == highlight:
            ax.plot(steps, c, color=color, lw=2.2, label=label, zorder=3)
        else:
            ax.plot(steps, c, color="0.8", lw=1.0, zorder=1)
    ax.set_yscale("log")
    _plain_log_ticks(ax, "y")
    if logx:
        ax.set_xscale("log")
        _plain_log_ticks(ax, "x")
    ax.grid(True, which="major", alpha=0.3)
    return ax


# ------------------------------------------------------------ chapter 3: regularisation
def plot_polynomial_fit(x_train, y_train, x_grid, fitted, ax, truth=None, label="fit"):
    """Training points, the fitted curve on ``x_grid`` and, optionally, the true function."""
    if truth is not None:
        ax.plot(x_grid, truth(x_grid), "--", color="0.5", lw=1.2, label="true function")
    ax.plot(x_grid, fitted, color="C3", lw=2, label=label)
    ax.plot(x_train, y_train, "o", color="C0", ms=4.5, label="training data")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return ax


def plot_train_val_errors(xs, train, val, ax, highlight=None, xlabel="", xticklabels=None, logx=False):
    """Training and validation error against a hyper-parameter or the epoch, log y axis.

    With ``xticklabels`` the points are placed at 0, 1, 2, ... and labelled (useful when one
    value, such as λ = 0, cannot go on a log axis).  ``highlight`` marks one index.
    """
    xs = np.arange(len(train)) if xticklabels is not None else np.asarray(xs)
    ax.plot(xs, train, "o-" if xticklabels is not None else "-", color="C0", ms=3.5, label="training")
    ax.plot(xs, val, "s-" if xticklabels is not None else "-", color="C1", ms=3.5, label="validation")
    if xticklabels is not None:
        ax.set_xticks(xs)
        ax.set_xticklabels(xticklabels, fontsize="small")
    if logx:
        ax.set_xscale("log")
        _plain_log_ticks(ax, "x")
    ax.set_yscale("log")
    _plain_log_ticks(ax, "y")
    if highlight is not None:
        ax.axvline(xs[highlight], color="0.4", lw=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("mean squared error")
    ax.grid(True, which="major", alpha=0.3)
    return ax


# ------------------------------------------------------------------ chapter 4: the perceptron
def plot_perceptron_state(X, y, w, ax, highlight=None, w_star=None, lim=1.15, title=""):
    """2-D points (±1 labels) and the boundary w₀ + w₁x₁ + w₂x₂ = 0 of augmented weights ``w``.

    The half-plane the perceptron calls +1 (wᵀx̂ > 0, (4.2)) is shaded; ``highlight`` (a sample
    index) is circled, e.g. the sample that caused the latest update; ``w_star`` is dashed.
    """
    X, y, w = np.asarray(X), np.asarray(y), np.asarray(w, dtype=float)
    g = np.linspace(-lim, lim, 161)
    XX, YY = np.meshgrid(g, g)
    if np.any(w != 0):
        score = w[0] + w[1] * XX + w[2] * YY
        ax.contourf(XX, YY, (score > 0).astype(float), levels=[-0.5, 0.5, 1.5], colors=["#f6dede", "#dde8f6"])
        ax.contour(XX, YY, score, levels=[0], colors="black", linewidths=1.6)
    else:
        ax.set_facecolor("#f6dede")  # w = 0: every point has score 0, output −1
    if w_star is not None:
        ax.contour(
            XX,
            YY,
            w_star[0] + w_star[1] * XX + w_star[2] * YY,
            levels=[0],
            colors="0.45",
            linewidths=1.0,
            linestyles="--",
        )
    pos, neg = y > 0, y <= 0
    ax.scatter(X[pos, 0], X[pos, 1], marker="o", s=22, color="tab:blue", label="y = +1", zorder=3)
    ax.scatter(X[neg, 0], X[neg, 1], marker="x", s=22, color="tab:red", label="y = −1", zorder=3)
    if highlight is not None:
        ax.scatter(*X[highlight], s=170, facecolors="none", edgecolors="black", linewidths=1.5, zorder=4)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


def plot_mistake_bounds(updates, bounds, ax, labels=None):
    """Theorem 4.1 on many data sets: mistakes K against R²/γ², log-log, with the line K = R²/γ²."""
    updates, bounds = np.asarray(updates, float), np.asarray(bounds, float)
    ax.scatter(
        bounds,
        np.maximum(updates, 0.8),
        s=12,
        alpha=0.7,
        color="tab:blue",
        label=labels or "one random separable set",
    )
    lo, hi = min(bounds.min(), 1.0), bounds.max() * 1.5
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="K = R²/γ² (the bound)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("R²/γ²  (γ: best margin)")
    ax.set_ylabel("K, number of updates")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_norm_bounds(weights, R, gamma, ax):
    """‖w_k‖² along a run between its lower bound k²γ² (4.8) and upper bound kR² (4.6)."""
    weights = np.asarray(weights, float).reshape(len(weights), -1)
    k = np.arange(len(weights))
    ax.plot(k, k * R**2, "--", color="tab:red", lw=1.2, label="upper bound k R² (4.6)")
    ax.plot(
        k,
        np.einsum("kd,kd->k", weights, weights),
        "o-",
        color="black",
        ms=3,
        lw=1.2,
        label=r"$\Vert \mathbf{w}_k \Vert^2$",
    )
    ax.plot(k, (k * gamma) ** 2, "--", color="tab:blue", lw=1.2, label="lower bound k² γ² (4.8)")
    ax.set_xlabel("update k")
    ax.set_ylabel("squared norm")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


__all__ += ["plot_perceptron_state", "plot_mistake_bounds", "plot_norm_bounds"]


# ---------------------------------------------------------- chapter 5: feedforward networks
def plot_activations(x, names, ax, derivative: bool = False, title: str = ""):
    """Activation functions of `nndl.functions.ACTIVATIONS` (figure 5.2) or their derivatives (5.4)."""
    from .functions import ACTIVATIONS

    x = np.asarray(x, dtype=float)
    styles = {"logistic": "-", "tanh": "--", "relu": "-.", "softplus": ":"}
    for k, name in enumerate(names):
        f, f_prime = ACTIVATIONS[name]
        label = f"{name}′" if derivative else name
        ax.plot(x, (f_prime if derivative else f)(x), styles.get(name, "-"), lw=2, color=f"C{k}", label=label)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_xlabel("x")
    ax.set_ylabel("f′(x)" if derivative else "f(x)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_decision_regions(predict, X, y, ax, lim=None, resolution: int = 201, title: str = ""):
    """Shade the class that ``predict(points (n, 2)) -> labels (n,)`` gives on a grid; draw (X, y)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if lim is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.25 * (hi - lo).max()
        lim = ((lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad))
    (x0, x1), (y0, y1) = lim
    XX, YY = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    Z = np.asarray(predict(np.column_stack([XX.ravel(), YY.ravel()]))).reshape(XX.shape)
    classes = int(max(Z.max(), y.max())) + 1
    light = ["#dde8f6", "#f6dede", "#def3de", "#f6efd9", "#eadff6"][:classes]
    ax.contourf(XX, YY, Z, levels=np.arange(classes + 1) - 0.5, colors=light)
    ax.contour(XX, YY, Z, levels=np.arange(classes) + 0.5, colors="black", linewidths=1.2)
    markers = ["o", "x", "s", "^", "v"]
    for c in range(classes):
        ax.scatter(
            X[y == c, 0],
            X[y == c, 1],
            marker=markers[c % 5],
            s=40,
            color=f"C{[0, 3, 2, 1, 4][c % 5]}",
            label=f"class {c}",
            zorder=3,
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_delta_norms(norms, ax, labels=None, colors=None, highlight=None, ylim=None):
    """‖δ⁽ˡ⁾‖ against the layer l = 1..L on a log axis, one curve per network (section 5.4)."""
    labels = labels or [None] * len(norms)
    colors = colors or [f"C{k}" for k in range(len(norms))]
    tiny = 1e-300
    for k, (d, label, color) in enumerate(zip(norms, labels, colors)):
        d = np.maximum(np.asarray(d, dtype=float), tiny)
        layers = np.arange(1, d.size + 1)
        strong = highlight is None or k == highlight
        ax.plot(
            layers,
            d,
            "o-",
            color=color,
            lw=2.2 if strong else 1.0,
            ms=4 if strong else 2.5,
            alpha=1.0 if strong else 0.45,
            label=label,
        )
    ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    _plain_log_ticks(ax, "y")
    ax.set_xlabel("layer l (1 = first hidden layer, L = output)")
    ax.set_ylabel("‖δ⁽ˡ⁾‖")
    ax.grid(True, which="major", alpha=0.3)
    return ax


__all__ += ["plot_activations", "plot_decision_regions", "plot_delta_norms"]


# ---------------------------------------------------------- chapter 6: convolutional networks
def plot_filter_response(image, kernel, axes, title: str = ""):
    """Three panels: the image, the kernel and image ⊗ kernel (narrow, `nndl.conv.convolve2d`)."""
    from .conv import convolve2d

    out = convolve2d(image, kernel, "valid")
    lim = max(abs(kernel).max(), 1e-12)
    axes[0].imshow(image, cmap="gray_r")
    axes[0].set_title(f"input {image.shape[0]}×{image.shape[1]}", fontsize="small")
    axes[1].imshow(kernel, cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[1].set_title(
        f"kernel {kernel.shape[0]}×{kernel.shape[1]}" + (f": {title}" if title else ""), fontsize="small"
    )
    signed = kernel.min() < 0
    m = max(abs(out).max(), 1e-12)
    axes[2].imshow(
        out, cmap="RdBu_r" if signed else "gray_r", vmin=-m if signed else None, vmax=m if signed else None
    )
    axes[2].set_title(f"input ⊗ kernel {out.shape[0]}×{out.shape[1]}", fontsize="small")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return out


def plot_feature_maps(maps, title: str = "", ncols: int = 8, size: float = 1.1, titles=None):
    """A grid of feature maps (K, H, W), one panel each, on a shared symmetric colour scale.

    ``titles``: one label per map (default: the map's index)."""
    maps = np.asarray(maps)
    k = maps.shape[0]
    nrows = -(-k // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False)
    m = max(float(np.abs(maps).max()), 1e-12)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < k:
            ax.imshow(maps[i], cmap="RdBu_r", vmin=-m, vmax=m)
            ax.set_title(str(i) if titles is None else str(titles[i]), fontsize=7)
        else:
            ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


__all__ += ["plot_filter_response", "plot_feature_maps"]


# ----------------------------------------------------- chapter 7: gradients through time (7.1.1)
def plot_jacobian_norms(curves, ax, labels=None, colors=None, styles=None, ylim=(1e-12, 1e12)):
    """‖∂h_t/∂h_0‖ against t − k on a log axis, one curve per entry of ``curves`` (7.6)–(7.10)."""
    for k, c in enumerate(curves):
        c = np.clip(np.asarray(c, dtype=float), ylim[0], ylim[1])
        ax.plot(
            np.arange(1, c.size + 1),
            c,
            color=None if colors is None else colors[k],
            ls="-" if styles is None else styles[k],
            lw=1.8,
            label=None if labels is None else labels[k],
        )
    ax.axhline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_ylim(*ylim)
    ax.set_xlabel("time lag t − k")
    ax.set_ylabel("‖∂h_t/∂h_k‖₂")
    ax.grid(True, which="major", alpha=0.3)
    return ax


__all__ += ["plot_jacobian_norms"]
