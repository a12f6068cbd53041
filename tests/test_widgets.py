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
        assert update_slider.index == 0                           # w_0 = 0 first
        assert len(_links_from(update_slider)) == 1
        assert all(bytes(img.value).startswith(b"\x89PNG") for img in frames.children)


def test_margin_explorer_shows_the_update_slider_first_in_the_document(margin_explorer):
    """In the page each slider precedes its own picture; CSS shows the margin slider on top."""
    box = margin_explorer[0]
    assert box.layout.flex_flow == "column-reverse"


def test_margin_explorer_frames_are_small(margin_explorer):
    stack = margin_explorer[0].children[0]
    sizes = [len(img.value) for panel in stack.children for img in panel.children[1].children]
    assert max(sizes) < 12_000 and sum(sizes) < 150_000


@pytest.mark.parametrize("kwargs, pattern", [
    ({"margins": ()}, "non-empty"),
    ({"margins": (0.1, -0.1)}, "positive"),
    ({"max_frames": 1}, "at least 2"),
])
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
    box = vanishing_gradients_explorer(X, y, depths=(3, 6), activations=("logistic", "relu"),
                                       width=8, epochs=2, batch_size=20)
    return box, [n for n in plt.get_fignums() if n not in before]


def test_gradient_explorer_has_one_linked_frame_per_configuration(gradient_explorer):
    box, open_figures = gradient_explorer
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider) and isinstance(stack, widgets.Stack)
    assert len(slider.options) == len(stack.children) == 2 * 3 * 2      # depths x inits x activations
    assert slider.options[0] == "3 layers · N(0, 0.01²) · logistic"
    assert slider.index == stack.selected_index == 6                     # deepest, first activation
    (link,) = _links_from(slider)
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")
    assert open_figures == []
    sizes = [len(img.value) for img in stack.children]
    assert all(bytes(img.value).startswith(b"\x89PNG") for img in stack.children)
    assert max(sizes) < 20_000


def test_gradient_runs_report_one_delta_per_dense_layer():
    from nndl.widgets import vanishing_gradients_runs

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, size=30)
    runs = vanishing_gradients_runs(X, y, depths=(5,), activations=("tanh",), epochs=1, width=6)
    assert [r["init"] for r in runs] == ["N(0, 0.01²)", "Glorot", "He"]
    assert all(r["deltas"].shape == (5,) and r["loss"].shape == (2,) for r in runs)
    small, _, he = runs
    assert small["deltas"][0] / small["deltas"][-1] < he["deltas"][0] / he["deltas"][-1]


# ------------------------------------------------------------------- chapter 3: optimisation
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _frames(box):
    slider, stack = box.children
    return slider, stack, [bytes(img.value) for img in stack.children]


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
    assert slider.index == stack.selected_index == 1             # opens at 0.5 × 2/L = 1/L
    assert len(pngs) == 4 and all(p.startswith(PNG_SIGNATURE) for p in pngs)
    assert len(set(pngs)) == 4
    (link,) = _links_from(slider)
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")
    assert open_figures == []
    assert sum(map(len, pngs)) < 4 * 15_000                      # stored in the notebook: keep small


@pytest.mark.parametrize("x, y, factors, pattern", [
    (np.zeros((5, 2)), np.zeros(5), (0.5,), "one feature"),
    (np.arange(5.0), np.zeros(4), (0.5,), r"y must have shape \(5,\)"),
    (np.arange(5.0), np.zeros(5), (0.5, -1.0), "positive"),
])
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
    assert sum(map(len, pngs)) < 4 * 15_000


def test_race_defaults_are_the_drafts_methods_plus_adam():
    from nndl import optim
    from nndl.widgets import default_race_optimizers, race_quadratic

    names = [name for name, _ in default_race_optimizers()]
    assert names == ["GD", "Momentum", "AdaGrad", "AdaDelta", "Adam"]
    assert all(isinstance(opt, optim.Optimizer) for _, opt in default_race_optimizers())
    A = race_quadratic(condition=100.0)
    np.testing.assert_allclose(A, A.T)
    np.testing.assert_allclose(np.linalg.eigvalsh(A), [0.01, 1.0], rtol=1e-12)


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
    box = regularization_explorer(x_train, y_train, x_val, y_val, degree=7,
                                  lambdas=(0.0, 1e-3, 1.0), epochs=1000)
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
    assert sum(map(len, pngs)) < 3 * 15_000


def test_ridge_gd_curves_is_gradient_descent_in_closed_form():
    """The closed-form iterates equal an explicit GD loop of nndl.optim on nndl.linear's objective."""
    from nndl import optim
    from nndl.linear import LinearRegression
    from nndl.data import legendre_features
    from nndl.widgets import ridge_gd_curves

    rng = np.random.default_rng(0)
    x, x_val = rng.uniform(-1, 1, 12), rng.uniform(-1, 1, 30)
    y, y_val = np.cos(2 * x) + 0.1 * rng.standard_normal(12), np.cos(2 * x_val)
    F, F_val = legendre_features(x, 5), legendre_features(x_val, 5)
    lambdas, epochs = [0.0, 0.01, 0.5], 150
    W, train, val = ridge_gd_curves(F, y, F_val, y_val, lambdas, epochs, record=[0, 7, epochs])
    Xh = np.column_stack([np.ones(12), F])
    lr = 1 / (np.linalg.eigvalsh(2 / 12 * Xh.T @ Xh).max() + 2 * max(lambdas))
    for j, lam in enumerate(lambdas):
        model, opt = LinearRegression(l2=lam).init(5), optim.GD(lr)
        seen = {}
        for t in range(epochs + 1):
            if t in (0, 7, epochs):
                seen[t] = (model.data_loss(F, y), model.data_loss(F_val, y_val))
            if t < epochs:
                model.loss(F, y)
                opt.step(model.params, model.grads)
        np.testing.assert_allclose(W[:, j], np.r_[model.params["b"], model.params["w"]], atol=1e-12)
        np.testing.assert_allclose(train[:, j], [seen[t][0] for t in (0, 7, epochs)], rtol=1e-10)
        np.testing.assert_allclose(val[:, j], [seen[t][1] for t in (0, 7, epochs)], rtol=1e-10)


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
    w = filter_explorer(image, kernels=("mean", "edge-x"), sizes=(3, 5), dpi=30)
    buttons, stack = w.children
    assert list(buttons.options) == ["mean", "edge-x"] and len(stack.children) == 2
    slider, frames = stack.children[1].children
    assert list(slider.options) == ["3×3", "5×5"] and len(frames.children) == 2
    assert bytes(frames.children[0].value).startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        filter_explorer(np.zeros((2, 8, 8)))


def test_plot_feature_maps_grid():
    from nndl.plot import plot_feature_maps

    fig = plot_feature_maps(np.random.default_rng(0).normal(size=(6, 5, 5)), "C1", ncols=4)
    assert len(fig.axes) == 8
    plt.close(fig)


# ------------------------------------------------------------------ chapter 7: gradient flow
def test_gradient_flow_runs_show_vanishing_and_exploding():
    from nndl.widgets import gradient_flow_runs

    runs = {r["rho"]: r for r in gradient_flow_runs(rhos=(0.5, 1.0, 2.0), hidden=16, steps=40)}
    assert runs[0.5]["linear"][-1] < 1e-8 and runs[2.0]["linear"][-1] > 1e8
    for r in runs.values():
        assert np.all(r["tanh"] <= r["bound"] * (1 + 1e-12))     # (7.10) is an upper bound


def test_gradient_flow_explorer_is_a_linked_slider():
    from nndl.widgets import gradient_flow_explorer

    box = gradient_flow_explorer(rhos=(0.5, 1.0, 1.5), hidden=8, steps=20, dpi=40)
    slider, stack = box.children
    assert len(stack.children) == 3 and stack.selected_index == 1 == slider.index
    assert all(c.value[:8] == b"\x89PNG\r\n\x1a\n" for c in stack.children)
