"""Figures shared by the notebooks and the widgets (matplotlib, imported only when used)."""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np

from .gradcheck import finite_difference_errors

__all__ = ["figure_to_png", "plot_timeline", "plot_finite_difference_errors"]


def figure_to_png(fig, dpi: int = 80, colors: int | None = 64) -> bytes:
    """Render a figure to PNG bytes on a white background and close it (used for widget frames).

    With ``colors`` set, the image is quantized to that many palette colours, which keeps line
    plots sharp and cuts their size about threefold: widget frames are stored in the notebook.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    plt.close(fig)
    if colors is None:
        return buf.getvalue()
    from PIL import Image  # Pillow is a dependency of matplotlib

    buf.seek(0)
    out = io.BytesIO()
    Image.open(buf).convert("RGB").quantize(colors=colors).save(out, format="PNG", optimize=True)
    return out.getvalue()


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
        ax.annotate(f"{year}\n{label}", (year, 0.6 * up), ha="center",
                    va="bottom" if up > 0 else "top", fontsize=9)
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
        ax.set_title(f"h = {steps[k]:.0e}: forward error {forward[k]:.1e}, central error {central[k]:.1e}",
                     fontsize=10)
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    ax.grid(True, which="major", alpha=0.3)
    return ax
