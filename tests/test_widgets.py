"""Tests for nndl.widgets: kernel-free slider widgets, and the lightweight `import nndl`."""

import base64
import io
import json
import re
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


def _tiny_png(width: int, height: int, shade: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), shade).save(out, format="PNG")
    return out.getvalue()


FRAMES = [_tiny_png(40, 20, 0), bytearray(_tiny_png(40, 20, 128)), _tiny_png(42, 24, 255)]
LABELS = ["a", "b", 3]
IMG = re.compile(
    r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)" '
    r'width="(\d+)" height="(\d+)"'
)


def _img(frame):
    """(PNG bytes, alt text, width, height attributes) of one frame view (an HTML widget)."""
    assert isinstance(frame, widgets.HTML)
    m = IMG.match(frame.value)
    assert m, frame.value[:120]
    return base64.b64decode(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))


def _png(frame) -> bytes:
    return _img(frame)[0]


def _links_from(widget):
    """Every live Link model whose source is ``widget``.

    `widgets.Widget.widgets` (the public view of this registry) is deprecated in ipywidgets 8
    and warns, so the registry dict itself is read.
    """
    return [w for w in list(_instances.values()) if isinstance(w, Link) and w.source[0] is widget]


# ----------------------------------------------------------------------------- frame_slider
@pytest.mark.parametrize("start", [0, 2])
def test_frame_slider_structure(start):
    """A VBox of (SelectionSlider, Stack of one <img> per frame), both opened at ``start``."""
    box = frame_slider(FRAMES, LABELS, description="step", start=start)
    assert isinstance(box, widgets.VBox)
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider)
    assert isinstance(stack, widgets.Stack)
    assert slider.options == ("a", "b", "3")
    assert slider.description == "step"
    assert slider.index == stack.selected_index == start
    assert [_png(img) for img in stack.children] == [bytes(f) for f in FRAMES]
    assert [_img(img)[1] for img in stack.children] == ["step = a", "step = b", "step = 3"]


def test_frames_are_shown_at_half_their_pixel_size():
    """Each frame's <img> is laid out at 1/2 of its pixels (2× density), never wider than
    its column, with its aspect ratio known before it loads."""
    box = frame_slider(FRAMES, LABELS, description="step", alt=["x", "y", "z"])
    for frame, size in zip(box.children[1].children, [(20, 10), (20, 10), (21, 12)]):
        _, alt, width, height = _img(frame)
        assert (width, height) == size
        assert f"max-width:{width}px" in frame.value and "width:100%" in frame.value
        assert "height:auto" in frame.value
    assert [_img(f)[1] for f in box.children[1].children] == ["x", "y", "z"]


def test_frame_alt_text_is_escaped_and_required():
    box = frame_slider(FRAMES[:1], ["a"], description="d", alt=['w = "1" <b>'])
    assert 'alt="w = &quot;1&quot; &lt;b&gt;"' in box.children[1].children[0].value
    with pytest.raises(ValueError, match="alt text"):
        frame_slider(FRAMES[:1], ["a"], description="d", alt=[" "])
    with pytest.raises(ValueError, match="one alt text per frame"):
        frame_slider(FRAMES[:2], ["a", "b"], description="d", alt=["x"])


def test_sliders_are_named_responsive_and_show_their_value():
    """No fixed pixel width: the row fills its column up to a maximum and wraps, so the readout
    stays on screen at 390 px; the description names the slider and the readout shows the label."""
    slider = frame_slider(FRAMES, LABELS, description="step").children[0]
    assert slider.layout.width == "100%" and slider.layout.max_width.endswith("px")
    assert slider.layout.flex_flow == "row wrap"
    assert slider.readout and slider.description == "step"
    assert slider.style.description_width == "initial"
    with pytest.raises(ValueError, match="description"):
        frame_slider(FRAMES, LABELS, description="")


def test_frame_slider_links_slider_to_stack_in_the_browser():
    """One two-way jslink (not a dlink, not a kernel-side link) from slider.index to stack.selected_index."""
    box = frame_slider(FRAMES, LABELS, "d")
    slider, stack = box.children
    links = _links_from(slider)
    assert len(links) == 1
    (link,) = links
    assert type(link) is Link  # DirectionalLink (jsdlink) is a subclass
    assert link.source == (slider, "index")
    assert link.target == (stack, "selected_index")


@pytest.mark.parametrize(
    "frames, labels",
    [
        (FRAMES, LABELS[:2]),
        (FRAMES[:1], LABELS),
        ([], []),
    ],
    ids=["fewer labels", "fewer frames", "empty"],
)
def test_frame_slider_rejects_mismatched_frames_and_labels(frames, labels):
    with pytest.raises(ValueError, match=f"got {len(frames)} frames and {len(labels)} labels"):
        frame_slider(frames, labels, "d")


@pytest.mark.parametrize("bad", ["\x89PNG as str", np.zeros((2, 2)), None])
def test_frame_slider_rejects_non_bytes_frames(bad):
    with pytest.raises(TypeError, match="PNG bytes"):
        frame_slider([FRAMES[0], bad], ["a", "b"], "d")


@pytest.mark.parametrize("start", [-1, 3, 10])
def test_frame_slider_rejects_bad_start(start):
    with pytest.raises(ValueError, match=rf"start must be in \[0, 3\), got {start}"):
        frame_slider(FRAMES, LABELS, "d", start=start)


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
    pngs = [_png(img) for img in stack.children]
    assert len(pngs) == len(STEPS) == 15
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs)
    assert len(set(pngs)) == 15  # each frame highlights a different h
    # ascending h, whatever the order of ``steps``, so the marker moves with the slider
    assert slider.options == tuple(f"{h:.0e}" for h in sorted(STEPS))


def test_explorer_frames_are_small(explorer):
    """The frames are saved in the notebook's widget state: 15 of them stay under 250 KB."""
    box, _ = explorer
    assert sum(len(_png(img)) for img in box.children[1].children) < 250_000


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
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE], cwd=root, capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(out.stdout)
    assert result["heavy"] == []
    assert result["elapsed"] < 0.5


# ----------------------------------------------------------------- perceptron_margin_explorer
@pytest.fixture(scope="module")
def margin_explorer():
    from nndl.widgets import perceptron_margin_explorer

    plt.close("all")
    margins = (0.03, 0.12, 0.24)
    box = perceptron_margin_explorer(margins, n=30, rng=1, max_frames=6)
    return box, margins, plt.get_fignums()


def test_margin_explorer_nests_an_update_slider_per_margin(margin_explorer):
    """A Stack of frame_sliders (one per margin) selected by a margin slider, linked in the browser."""
    from nndl import perceptron as P

    box, margins, open_figures = margin_explorer
    stack, slider = box.children
    assert isinstance(stack, widgets.Stack) and isinstance(slider, widgets.SelectionSlider)
    assert slider.options == ("0.03", "0.12", "0.24")
    assert slider.index == stack.selected_index == 1
    (link,) = _links_from(slider)
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")
    assert open_figures == []
    for gamma, panel in zip(margins, stack.children):
        update_slider, frames = panel.children
        X, y, _ = P.make_separable(30, gamma, rng=1)
        K = P.perceptron(P.augment(X), y).n_updates
        labels = [int(v) for v in update_slider.options]
        assert labels[0] == 0 and labels[-1] == K and labels == sorted(set(labels))
        assert len(labels) == min(K + 1, 6) == len(frames.children)
        assert update_slider.index == 0  # w_0 = 0 first
        assert len(_links_from(update_slider)) == 1
        assert all(_png(img).startswith(b"\x89PNG") for img in frames.children)


def test_margin_explorer_shows_the_update_slider_first_in_the_document(margin_explorer):
    """In the page each slider precedes its own picture; CSS shows the margin slider on top."""
    box = margin_explorer[0]
    assert box.layout.flex_flow == "column-reverse"


def test_margin_explorer_frames_are_small(margin_explorer):
    stack = margin_explorer[0].children[0]
    sizes = [len(_png(img)) for panel in stack.children for img in panel.children[1].children]
    assert max(sizes) < 12_000 and sum(sizes) < 150_000


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"margins": ()}, "non-empty"),
        ({"margins": (0.1, -0.1)}, "positive"),
        ({"max_frames": 1}, "at least 2"),
    ],
)
def test_margin_explorer_rejects_bad_arguments(kwargs, pattern):
    from nndl.widgets import perceptron_margin_explorer

    with pytest.raises(ValueError, match=pattern):
        perceptron_margin_explorer(**kwargs)


# ----------------------------------------------------------- chapter 5: vanishing gradients
@pytest.fixture(scope="module")
def gradient_explorer():
    from nndl.widgets import vanishing_gradients_explorer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = (X[:, 0] > 0).astype(int)
    before = plt.get_fignums()
    box = vanishing_gradients_explorer(
        X, y, depths=(3, 6), activations=("logistic", "relu"), width=8, epochs=2, batch_size=20
    )
    return box, [n for n in plt.get_fignums() if n not in before]


def test_gradient_explorer_has_one_linked_frame_per_configuration(gradient_explorer):
    box, open_figures = gradient_explorer
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider) and isinstance(stack, widgets.Stack)
    assert len(slider.options) == len(stack.children) == 2 * 3 * 2  # depths x inits x activations
    assert slider.options[0] == "3 layers · N(0, 0.01²) · logistic"
    assert slider.index == stack.selected_index == 6  # deepest, first activation
    (link,) = _links_from(slider)
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")
    assert open_figures == []
    sizes = [len(_png(img)) for img in stack.children]
    assert all(_png(img).startswith(b"\x89PNG") for img in stack.children)
    assert max(sizes) < 20_000


# ------------------------------------------------------------------- chapter 3: optimisation
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _frames(box):
    slider, stack = box.children
    return slider, stack, [_png(img) for img in stack.children]


@pytest.fixture(scope="module")
def lr_explorer():
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.5, 2.5, 40)
    y = 1.5 * x - 1 + 0.3 * rng.standard_normal(40)
    from nndl.widgets import learning_rate_explorer

    plt.close("all")
    box = learning_rate_explorer(x, y, factors=(0.2, 0.5, 0.95, 1.05), steps=30)
    return box, plt.get_fignums()


def test_learning_rate_explorer_has_one_linked_png_frame_per_rate(lr_explorer):
    box, open_figures = lr_explorer
    slider, stack, pngs = _frames(box)
    assert slider.options == ("0.2×2/L", "0.5×2/L", "0.95×2/L", "1.05×2/L")
    assert slider.index == stack.selected_index == 1  # opens at 0.5 × 2/L = 1/L
    assert len(pngs) == 4 and all(p.startswith(PNG_SIGNATURE) for p in pngs)
    assert len(set(pngs)) == 4
    (link,) = _links_from(slider)
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")
    assert open_figures == []
    assert sum(map(len, pngs)) < 4 * 25_000  # stored in the notebook: keep small


@pytest.mark.parametrize(
    "x, y, factors, pattern",
    [
        (np.zeros((5, 2)), np.zeros(5), (0.5,), "one feature"),
        (np.arange(5.0), np.zeros(4), (0.5,), r"y must have shape \(5,\)"),
        (np.arange(5.0), np.zeros(5), (0.5, -1.0), "positive"),
    ],
)
def test_learning_rate_explorer_rejects_bad_input(x, y, factors, pattern):
    from nndl.widgets import learning_rate_explorer

    with pytest.raises(ValueError, match=pattern):
        learning_rate_explorer(x, y, factors=factors)


@pytest.fixture(scope="module")
def race():
    from nndl.widgets import optimizer_race

    plt.close("all")
    box = optimizer_race(checkpoints=(0, 10, 40, 160))
    return box, plt.get_fignums()


def test_optimizer_race_has_one_linked_png_frame_per_checkpoint(race):
    box, open_figures = race
    slider, stack, pngs = _frames(box)
    assert slider.options == ("0", "10", "40", "160")
    assert slider.index == stack.selected_index == 3
    assert len(pngs) == 4 and all(p.startswith(PNG_SIGNATURE) for p in pngs) and len(set(pngs)) == 4
    (link,) = _links_from(slider)
    assert link.target == (stack, "selected_index")
    assert open_figures == []
    assert sum(map(len, pngs)) < 4 * 25_000


def test_race_defaults_are_the_drafts_methods_plus_adam():
    from nndl import optim
    from nndl.widgets import default_race_optimizers

    names = [name for name, _ in default_race_optimizers()]
    assert names == ["GD", "Momentum", "AdaGrad", "AdaDelta", "Adam"]
    assert all(isinstance(opt, optim.Optimizer) for _, opt in default_race_optimizers())


def test_optimizer_race_rejects_a_bad_hessian():
    from nndl.widgets import optimizer_race

    with pytest.raises(ValueError, match="positive definite"):
        optimizer_race(A=np.array([[1.0, 0.0], [0.0, -1.0]]))


@pytest.fixture(scope="module")
def regularization():
    from nndl.widgets import regularization_explorer

    rng = np.random.default_rng(7)
    x_train = np.sort(rng.uniform(-1, 1, 15))
    y_train = np.sin(np.pi * x_train) + 0.25 * rng.standard_normal(15)
    x_val = rng.uniform(-0.9, 0.9, 50)
    y_val = np.sin(np.pi * x_val) + 0.25 * rng.standard_normal(50)
    plt.close("all")
    box = regularization_explorer(
        x_train, y_train, x_val, y_val, degree=7, lambdas=(0.0, 1e-3, 1.0), epochs=1000
    )
    return box, plt.get_fignums()


def test_regularization_explorer_has_one_linked_png_frame_per_lambda(regularization):
    box, open_figures = regularization
    slider, stack, pngs = _frames(box)
    assert slider.options == ("0", "1e-3", "1e0")
    assert slider.index == stack.selected_index == 0
    assert len(pngs) == 3 and all(p.startswith(PNG_SIGNATURE) for p in pngs) and len(set(pngs)) == 3
    (link,) = _links_from(slider)
    assert link.target == (stack, "selected_index")
    assert open_figures == []
    assert sum(map(len, pngs)) < 3 * 25_000


@pytest.mark.parametrize("method", ["mediancut", "fastoctree"])
def test_figure_to_png_quantizes_with_either_method(method):
    from nndl.plot import figure_to_png

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1], color="tab:green")
    png = figure_to_png(fig, dpi=40, method=method)
    assert png.startswith(PNG_SIGNATURE) and not plt.fignum_exists(fig.number)


def test_figure_to_png_rejects_an_unknown_method():
    from nndl.plot import figure_to_png

    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="fastoctree"):
        figure_to_png(fig, method="kmeans")


def test_filter_explorer_links_kernel_and_size():
    from nndl.widgets import filter_explorer

    image = np.zeros((16, 16))
    image[4:12, 6:10] = 1.0
    w = filter_explorer(image, kernels=("mean", "edge-x"), sizes=(3, 5))
    buttons, stack = w.children
    assert list(buttons.options) == ["mean", "edge-x"] and len(stack.children) == 2
    slider, frames = stack.children[1].children
    assert list(slider.options) == ["3×3", "5×5"] and len(frames.children) == 2
    assert _png(frames.children[0]).startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        filter_explorer(np.zeros((2, 8, 8)))


def test_plot_feature_maps_grid():
    from nndl.plot import plot_feature_maps

    fig = plot_feature_maps(np.random.default_rng(0).normal(size=(6, 5, 5)), "C1", ncols=4)
    assert len(fig.axes) == 8
    plt.close(fig)


# ------------------------------------------------------------------ chapter 7: gradient flow
def test_gradient_flow_explorer_is_a_linked_slider():
    from nndl.widgets import gradient_flow_explorer

    box = gradient_flow_explorer(rhos=(0.5, 1.0, 1.5), hidden=8, steps=20)
    slider, stack = box.children
    assert len(stack.children) == 3 and stack.selected_index == 1 == slider.index
    assert all(_png(c)[:8] == b"\x89PNG\r\n\x1a\n" for c in stack.children)


# ------------------------------------------------- sharp, readable frames; the notebooks' budget
PHONE_COLUMN = 360  # CSS px of text column on a 390 px phone
MIN_TEXT_DESKTOP = 10.0  # CSS px at the frame's 1× size
MIN_TEXT_PHONE = 7.5  # CSS px once the frame is scaled down to the phone's column


def _builders():
    from nndl import widgets as W

    rng = np.random.default_rng(0)
    x = rng.uniform(-0.5, 2.5, 30)
    X = rng.normal(size=(40, 5))
    return {
        "finite differences": lambda: W.finite_difference_explorer(
            np.exp, np.exp, 1.0, 10.0 ** -np.arange(0, 15, 7)
        ),
        "learning rate": lambda: W.learning_rate_explorer(x, 1.5 * x - 1, factors=(0.5, 1.1), steps=10),
        "race": lambda: W.optimizer_race(checkpoints=(0, 20)),
        "regularization": lambda: W.regularization_explorer(
            np.linspace(-1, 1, 12),
            np.sin(3 * np.linspace(-1, 1, 12)),
            x / 3,
            np.sin(x),
            degree=5,
            lambdas=(0.0, 1.0),
            epochs=100,
            truth=np.sin,
        ),
        "margin": lambda: W.perceptron_margin_explorer((0.05, 0.2), n=20, max_frames=2),
        "vanishing gradients": lambda: W.vanishing_gradients_explorer(
            X,
            (X[:, 0] > 0).astype(int),
            depths=(3,),
            activations=("tanh", "relu"),
            width=6,
            epochs=2,
            batch_size=20,
        ),
        "filters": lambda: W.filter_explorer(rng.uniform(size=(16, 16)), kernels=("mean",), sizes=(3,)),
        "gradient flow": lambda: W.gradient_flow_explorer(rhos=(0.9, 1.5), hidden=6, steps=10),
    }


@pytest.mark.parametrize("name", list(_builders()))
def test_frames_are_rendered_at_twice_their_size_with_readable_text(name, monkeypatch):
    """Every frame is drawn at 2× the density it is shown at, and its smallest text is at least
    10 CSS px on a desktop and 7.5 CSS px on a phone, where the frame shrinks to the column."""
    from nndl import plot
    from nndl import widgets as W

    seen = []
    render = W.frame_to_png

    def spy(fig, **kwargs):
        smallest = round(plot.smallest_text_pt(fig), 1)  # "small" of 12 pt is 9.996
        png = render(fig, **kwargs)
        seen.append((smallest, plot.png_size(png)[0] / plot.FRAME_DENSITY))
        return png

    monkeypatch.setattr(W, "frame_to_png", spy)
    _builders()[name]()
    assert seen and plot.FRAME_DPI == 2 * 72 and plot.FRAME_DENSITY == 2
    for smallest_pt, css_width in seen:  # 1 pt of a frame is 1 CSS px at its 1× size
        assert smallest_pt >= MIN_TEXT_DESKTOP, (name, smallest_pt)
        phone = smallest_pt * min(1.0, PHONE_COLUMN / css_width)
        assert phone >= MIN_TEXT_PHONE, (name, phone, css_width)


ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Widget state shipped with one page (all its frames, base64): at most this many bytes.
STATE_BUDGET = 400 * 1024


def _widget_state(path):
    meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    return meta.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_frames_are_sharp_described_and_within_budget(path):
    """In the stored widget state: no bare Image model (it cannot carry alt text), every frame an
    <img> with alt text and 2× pixels, no fixed-width control wider than a phone, and the whole
    state within the page budget."""
    state = _widget_state(path)
    assert len(json.dumps(state)) <= STATE_BUDGET, f"{path.name}: widget state over budget"
    models = list(state.get("state", {}).values())
    assert not [m for m in models if m["model_name"] == "ImageModel"]
    frames = [
        m["state"]["value"]
        for m in models
        if m["model_name"] == "HTMLModel" and m["state"]["value"].startswith("<img ")
    ]
    for value in frames:
        m = IMG.match(value)
        assert m, value[:100]
        png = base64.b64decode(m.group(1))
        from nndl.plot import png_size

        assert png_size(png)[0] >= 2 * int(m.group(3)) - 1
        assert len(m.group(2)) >= 20  # says something
    alts = [IMG.match(v).group(2) for v in frames]
    assert len(set(alts)) == len(alts), "two frames share their alt text"
    for m in models:
        width = m["state"].get("width", "") if m["model_name"] == "LayoutModel" else ""
        assert not (width or "").endswith("px") or int(width[:-2]) <= 360, (path.name, width)
    sliders = [m["state"] for m in models if m["model_name"] == "SelectionSliderModel"]
    assert all(s["description"] and s["readout"] for s in sliders)
    if any(m["model_name"] == "StackModel" for m in models):
        assert frames and sliders


# ------------------------------------------------------------------------ show_source
def test_show_source_displays_exactly_the_installed_code():
    import inspect

    from nndl import conv, rnn
    from nndl.plot import show_source

    kernels = (conv.window_view, conv.correlate2d_vectorized)
    shown = show_source(*kernels)
    expected = "\n\n".join(inspect.getsource(f) for f in kernels)
    assert shown.text == expected
    assert shown._repr_markdown_() == f"```python\n{expected}```\n"
    assert repr(shown) == expected.rstrip("\n")
    for func in (conv.correlate2d_backward_vectorized, rnn.lstm_step):
        text = show_source(func).text
        assert text == inspect.getsource(func) and max(map(len, text.splitlines())) <= 76


def test_show_source_rejects_wide_lines_and_non_functions():
    from nndl import conv
    from nndl.plot import show_source

    with pytest.raises(ValueError, match=r"line \d+ of correlate2d_reference is \d+ characters"):
        show_source(conv.correlate2d_reference)
    assert show_source(conv.correlate2d_reference, max_width=120).text
    with pytest.raises(TypeError, match="functions"):
        show_source("conv.correlate2d")
    with pytest.raises(TypeError, match="at least one"):
        show_source()
