"""Tests for nndl.widgets: kernel-free slider widgets, and the lightweight `import nndl`."""
import json
import subprocess
import sys
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances
from ipywidgets.widgets.widget_link import Link

from nndl.widgets import finite_difference_explorer, frame_slider

FRAMES = [b"\x89PNG frame 0", bytearray(b"\x89PNG frame 1"), b"\x89PNG frame 2"]
LABELS = ["a", "b", 3]


def _links_from(widget):
    """Every live Link model whose source is ``widget``.

    `widgets.Widget.widgets` (the public view of this registry) is deprecated in ipywidgets 8
    and warns, so the registry dict itself is read.
    """
    return [w for w in list(_instances.values())
            if isinstance(w, Link) and w.source[0] is widget]


# ----------------------------------------------------------------------------- frame_slider
@pytest.mark.parametrize("start", [0, 2])
def test_frame_slider_structure(start):
    """A VBox of (SelectionSlider, Stack of one Image per frame), both opened at ``start``."""
    box = frame_slider(FRAMES, LABELS, description="step", start=start)
    assert isinstance(box, widgets.VBox)
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider)
    assert isinstance(stack, widgets.Stack)
    assert slider.options == ("a", "b", "3")
    assert slider.description == "step"
    assert slider.index == stack.selected_index == start
    assert [type(img) for img in stack.children] == [widgets.Image] * 3
    assert [bytes(img.value) for img in stack.children] == [bytes(f) for f in FRAMES]
    assert {img.format for img in stack.children} == {"png"}


def test_frame_slider_links_slider_to_stack_in_the_browser():
    """One two-way jslink (not a dlink, not a kernel-side link) from slider.index to stack.selected_index."""
    box = frame_slider(FRAMES, LABELS)
    slider, stack = box.children
    links = _links_from(slider)
    assert len(links) == 1
    (link,) = links
    assert type(link) is Link  # DirectionalLink (jsdlink) is a subclass
    assert link.source == (slider, "index")
    assert link.target == (stack, "selected_index")


@pytest.mark.parametrize("frames, labels", [
    (FRAMES, LABELS[:2]),
    (FRAMES[:1], LABELS),
    ([], []),
], ids=["fewer labels", "fewer frames", "empty"])
def test_frame_slider_rejects_mismatched_frames_and_labels(frames, labels):
    with pytest.raises(ValueError, match=f"got {len(frames)} frames and {len(labels)} labels"):
        frame_slider(frames, labels)


@pytest.mark.parametrize("bad", ["\x89PNG as str", np.zeros((2, 2)), None])
def test_frame_slider_rejects_non_bytes_frames(bad):
    with pytest.raises(TypeError, match="PNG bytes"):
        frame_slider([FRAMES[0], bad], ["a", "b"])


@pytest.mark.parametrize("start", [-1, 3, 10])
def test_frame_slider_rejects_bad_start(start):
    with pytest.raises(ValueError, match=rf"start must be in \[0, 3\), got {start}"):
        frame_slider(FRAMES, LABELS, start=start)


# ----------------------------------------------------------------- finite_difference_explorer
STEPS = 10.0 ** -np.arange(0, 15)  # descending, as the notebook passes them


@pytest.fixture(scope="module")
def explorer():
    plt.close("all")
    box = finite_difference_explorer(np.exp, np.exp, 1.0, STEPS)
    open_figures = plt.get_fignums()
    return box, open_figures


def test_explorer_has_one_png_frame_per_step(explorer):
    box, _ = explorer
    slider, stack = box.children
    pngs = [bytes(img.value) for img in stack.children]
    assert len(pngs) == len(STEPS) == 15
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs)
    assert len(set(pngs)) == 15  # each frame highlights a different h
    # ascending h, whatever the order of ``steps``, so the marker moves with the slider
    assert slider.options == tuple(f"{h:.0e}" for h in sorted(STEPS))


def test_explorer_frames_are_small(explorer):
    """The frames are saved in the notebook's widget state: 15 of them stay under 250 KB."""
    box, _ = explorer
    assert sum(len(img.value) for img in box.children[1].children) < 250_000


def test_explorer_opens_near_the_sweet_spot(explorer):
    """It starts at h = 1e-5, where the central difference error is smallest."""
    slider, stack = explorer[0].children
    assert slider.value == "1e-05"
    assert stack.selected_index == slider.index


def test_explorer_closes_its_figures(explorer):
    """Every frame's figure is closed after rendering, so none leak into the notebook output."""
    assert explorer[1] == []


# ----------------------------------------------------------------------------- import cost
IMPORT_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import nndl, nndl.functions, nndl.gradcheck
elapsed = time.perf_counter() - t0
print(json.dumps({"elapsed": elapsed,
                  "heavy": sorted(m for m in ("matplotlib", "ipywidgets", "PIL") if m in sys.modules)}))
"""


def test_import_nndl_is_light_and_fast():
    """The numerical modules import NumPy only: no matplotlib, ipywidgets or Pillow, in < 0.5 s."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], cwd=root, capture_output=True,
                         text=True, check=True, timeout=60)
    result = json.loads(out.stdout)
    assert result["heavy"] == []
    assert result["elapsed"] < 0.5
