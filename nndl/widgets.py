"""Widgets that work live in JupyterLab *and* on the static site, with no kernel.

The pattern (see the design notes): compute a modest set of frames in Python, put them in a
`ipywidgets.Stack`, and link the control to the stack in the browser with `ipywidgets.jslink`.
The saved widget state then carries every frame, so the published page stays interactive.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .plot import figure_to_png, plot_finite_difference_errors

__all__ = ["frame_slider", "finite_difference_explorer"]


def frame_slider(frames, labels, description: str = "", start: int = 0) -> widgets.VBox:
    """A slider over precomputed PNG ``frames``, one per label, linked in the browser.

    ``frames`` is a sequence of PNG bytes (for example from `nndl.plot.figure_to_png`) and
    ``labels`` the slider's value names, one per frame.
    """
    frames, labels = list(frames), [str(label) for label in labels]
    if not frames or len(frames) != len(labels):
        raise ValueError(f"need one label per frame and at least one frame, got {len(frames)} "
                         f"frames and {len(labels)} labels")
    if not all(isinstance(f, (bytes, bytearray)) for f in frames):
        raise TypeError("frames must be PNG bytes, e.g. from nndl.plot.figure_to_png(fig)")
    if not 0 <= start < len(frames):
        raise ValueError(f"start must be in [0, {len(frames)}), got {start}")
    slider = widgets.SelectionSlider(options=labels, index=start, description=description,
                                     continuous_update=True,
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="480px"))
    stack = widgets.Stack([widgets.Image(value=bytes(f), format="png") for f in frames],
                          selected_index=start)
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    return widgets.VBox([slider, stack])


def finite_difference_explorer(f, derivative, x0: float, steps, name: str = "f",
                               dpi: int = 72) -> widgets.VBox:
    """Slide the step h and watch truncation and round-off error trade places (eq. 2.17).

    One frame per step in ``steps``; each shows the forward- and central-difference errors of
    ``derivative(x0)`` against h, with the chosen h marked.
    """
    steps = np.sort(np.asarray(steps, dtype=float))  # ascending, so the marker moves with the slider
    frames = []
    for h in steps:
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
        plot_finite_difference_errors(f, derivative, x0, steps, highlight=h, ax=ax, name=name)
        frames.append(figure_to_png(fig, dpi=dpi))
    start = int(np.argmin(np.abs(np.log10(steps) + 5)))  # open near the sweet spot h ≈ 1e-5
    return frame_slider(frames, [f"{h:.0e}" for h in steps], description="step h", start=start)
