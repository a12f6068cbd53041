"""nndl.exercises: the expected answers (computed numerically in the module) agree with the closed
forms the chapters' solutions derive, and `check` accepts right answers and rejects wrong ones."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from nndl import exercises, nn, optim
from nndl.functions import softmax

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _threshold_tables_by_search(n: int) -> int:
    """Distinct truth tables of units [w·x + b > 0] over small integer weights and half-integer
    biases (no ties at 0): enough for every threshold function of up to three inputs."""
    corners = np.array(list(itertools.product((0, 1), repeat=n)))
    tables = set()
    for w in itertools.product(range(-2, 3), repeat=n):
        for b in np.arange(-n - 2.5, n + 3.0):
            tables.add(tuple(corners @ np.array(w) + b > 0))
    return len(tables)


def _full_convolution(f1, f2):
    """The wide (full) 2-D convolution f1 ⊗̃ f2, as a loop: f[i + k, j + l] += f1[i, j] · f2[k, l]."""
    (a, b), (c, e) = f1.shape, f2.shape
    f = np.zeros((a + c - 1, b + e - 1))
    for i, j, k, l in itertools.product(range(a), range(b), range(c), range(e)):
        f[i + k, j + l] += f1[i, j] * f2[k, l]
    return f


def _tanh_srn_last_state(xs, W, U, b):
    """h_t = tanh(h_{t−1} U + x_t W + b) from h_0 = 0 (code layout), a plain loop; returns h_T."""
    h = np.zeros(U.shape[0])
    for x in xs:
        h = np.tanh(h @ U + x @ W + b)
    return h


def _perceptron_loop(X_hat, y, epochs=1000):
    """Algorithm 4.1 as printed in the chapter (update when y wᵀx ≤ 0), samples in order."""
    w = np.zeros(X_hat.shape[1])
    for _ in range(epochs):
        mistakes = 0
        for x, label in zip(X_hat, y):
            if label * (w @ x) <= 0:
                w = w + label * x
                mistakes += 1
        if mistakes == 0:
            return w
    raise AssertionError("did not converge")


def _closed_form(key: str, d: dict):
    """The answer as the chapter's folded solution derives it, from the problem's data."""
    if key == "ch1.threshold_functions":
        return _threshold_tables_by_search(d["n_inputs"])
    if key == "ch1.mlp_parameters":
        sizes = d["sizes"]
        return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if key == "ch1.exp_overflow_float32":
        return 128 * np.log(2) + np.log1p(-(2.0**-24))  # log of (2 − 2⁻²³)·2¹²⁷
    if key == "ch2.quadratic_gradient":
        return (d["A"] + d["A"].T) @ d["x"]
    if key == "ch2.hadamard_jacobian":
        return np.diag(2 * d["x"])
    if key == "ch2.softmax_temperature_jacobian":
        s = softmax(d["x"] / d["T"])
        return (np.diag(s) - np.outer(s, s)) / d["T"]
    if key == "ch2.log_softmax_jacobian":
        s = softmax(d["x"])
        return np.eye(s.size) - np.outer(s, np.ones(s.size))  # I − s 1ᵀ
    if key == "ch3.ridge_solution":
        X_hat = np.column_stack([np.ones(len(d["y"])), d["X"]])
        I_prime = np.eye(X_hat.shape[1])
        I_prime[0, 0] = 0.0
        return np.linalg.solve(X_hat.T @ X_hat + len(d["y"]) * d["lam"] * I_prime, X_hat.T @ d["y"])
    if key == "ch3.best_learning_rate":
        return 2 / (d["L"] + d["mu"])
    if key == "ch3.best_rate_factor":
        kappa = d["L"] / d["mu"]
        return (kappa - 1) / (kappa + 1)
    if key == "ch3.two_class_logistic_weights":
        return d["W"][:, 1] - d["W"][:, 0]  # w = w_1 − w_0
    if key == "ch3.momentum_terminal_step":
        return -d["lr"] / (1 - d["rho"]) * d["g"]
    if key == "ch4.scaled_weights":
        return d["a"] * d["w_final"]
    if key == "ch4.margin":
        return np.min(d["y"] * (d["X_hat"] @ d["w"])) / np.linalg.norm(d["w"])
    if key == "ch4.mistake_bound":
        R2 = np.max(np.sum(d["X_hat"] ** 2, axis=1))
        return R2 / _closed_form("ch4.margin", d) ** 2
    if key == "ch4.xor_separable":
        return False
    if key == "ch5.tanh_max_derivative":
        return 1.0
    if key == "ch5.symmetric_hidden_units":
        return 1  # the symmetry is never broken
    if key == "ch5.xor_one_hidden_unit":
        return 3  # a linear classifier: 3 of 4
    if key == "ch5.output_delta":
        Z, labels = d["Z"], d["labels"]
        return (softmax(Z) - np.eye(Z.shape[1])[labels]) / len(labels)
    if key == "ch6.output_size":
        return (d["H"] + 2 * d["P"] - d["k"]) // d["S"] + 1
    if key == "ch6.same_padding":
        return (d["k"] - 1) // 2
    if key == "ch6.stacked_kernel":
        return _full_convolution(d["f1"], d["f2"])
    if key == "ch6.c3_params_without_table":
        return 16 * 6 * 5 * 5 + 16
    if key == "ch6.lenet_s2":
        return (6 * 14 * 14 * (4 + 1), 6 * 2)
    if key == "ch6.pool_shift_changed":
        return 1 - 2 / 6  # unchanged only when the largest of the six pixels is in the shared column
    if key == "ch7.param_counts":
        block = d["D"] * d["H"] + d["H"] ** 2 + d["H"]
        return (block, 4 * block + 3 * d["H"], 3 * block)
    if key == "ch7.one_step_jacobian":
        h_t = np.tanh(d["h_prev"] @ d["U"] + d["x_t"] @ d["W"] + d["b"])
        return d["U"] @ np.diag(1 - h_t**2)  # book: Uᵀ diag(1 − h_t²)
    if key == "ch7.gru_as_srn":
        return _tanh_srn_last_state(d["xs"], d["W_c"], d["U_c"], d["b_c"])
    raise AssertionError(f"no closed form written for {key}")


KEYS = exercises.keys()


def test_every_chapter_with_exercises_has_checkable_ones():
    assert {exercises.EXERCISES[k].chapter for k in KEYS} == {1, 2, 3, 4, 5, 6, 7}


@pytest.mark.parametrize("key", KEYS)
def test_closed_form_is_accepted(key, capsys):
    answer = _closed_form(key, exercises.problem(key))
    assert exercises.check(key, answer)
    assert capsys.readouterr().out.startswith(f"✓ {key}")


@pytest.mark.parametrize("key", KEYS)
def test_wrong_answers_are_rejected(key, capsys):
    right = _closed_form(key, exercises.problem(key))
    if isinstance(right, bool):
        wrong = not right
    else:
        wrong = np.asarray(right, dtype=float) * 1.01 + 0.01
    assert not exercises.check(key, wrong)
    out = capsys.readouterr().out
    assert out.startswith(f"✗ {key}")
    assert "not yet" in out


@pytest.mark.parametrize("key", KEYS)
def test_problem_states_a_question_and_copies_its_data(key):
    p = exercises.problem(key)
    assert isinstance(p["question"], str) and p["question"]
    for value in p.values():
        if isinstance(value, np.ndarray):
            value[...] = 0  # modifying the copy does not change the exercise
    assert exercises.check(key, _closed_form(key, exercises.problem(key)), quiet=True)


def test_feedback_names_the_problem_without_revealing_the_answer(capsys):
    d = exercises.problem("ch2.log_softmax_jacobian")
    assert not exercises.check("ch2.log_softmax_jacobian", _closed_form("ch2.log_softmax_jacobian", d).T)
    assert "transpose" in capsys.readouterr().out
    assert not exercises.check("ch7.param_counts", (1, 2))
    assert "shape (3,)" in capsys.readouterr().out
    assert not exercises.check("ch4.margin", "two thirds")
    out = capsys.readouterr().out
    assert "number" in out and "0.66" not in out
    assert not exercises.check("ch4.xor_separable", 0)  # a bool is expected, not 0
    assert not exercises.check("ch5.tanh_max_derivative", float("nan"))


def test_threshold_count_matches_a_weight_search_beyond_two_inputs():
    # The perceptron-based count of the module against the search, for 1 and 3 inputs as well
    # (4, 14 and 104 threshold functions of 1, 2 and 3 inputs).
    solve = exercises.EXERCISES["ch1.threshold_functions"].solve
    counts = [solve({"n_inputs": n}) for n in (1, 2, 3)]
    assert counts == [_threshold_tables_by_search(n) for n in (1, 2, 3)]
    assert counts[1] == 2**4 - 2  # all but XOR and XNOR


def test_chapter_1_common_slips_are_rejected():
    assert not exercises.check("ch1.threshold_functions", 16, quiet=True)  # "every function"
    assert not exercises.check("ch1.threshold_functions", 15, quiet=True)  # XNOR forgotten
    assert not exercises.check("ch1.mlp_parameters", 784 * 100 + 100 * 10, quiet=True)  # no biases
    assert not exercises.check("ch1.exp_overflow_float32", np.log(np.finfo(np.float64).max), quiet=True)
    assert not exercises.check("ch1.exp_overflow_float32", 88.7, quiet=True)
    assert exercises.check("ch1.exp_overflow_float32", 88.72, quiet=True)  # two decimals suffice
    assert exercises.check("ch1.exp_overflow_float32", np.log(np.finfo(np.float32).max), quiet=True)


def test_unknown_key_lists_the_known_ones():
    with pytest.raises(KeyError, match="ch4.margin"):
        exercises.check("ch4.nonsense", 1.0)
    assert exercises.keys(4) == ["ch4.scaled_weights", "ch4.xor_separable", "ch4.margin", "ch4.mistake_bound"]


def test_every_key_belongs_to_an_exercise_in_order():
    for chapter in range(1, 8):
        numbers = [exercises.EXERCISES[k].exercise for k in exercises.keys(chapter)]
        assert all(re.fullmatch(rf"{chapter}\.\d+", n) for n in numbers), numbers
        assert numbers == sorted(numbers, key=lambda n: int(n.split(".")[1])), numbers


def test_new_keys_agree_with_independent_computations():
    # ch3.3: the solved w reproduces softmax's P(y = 1 | x) through the logistic function
    d = exercises.problem("ch3.two_class_logistic_weights")
    X = np.random.default_rng(0).normal(size=(20, 3))
    w = _closed_form("ch3.two_class_logistic_weights", d)
    np.testing.assert_allclose(1 / (1 + np.exp(-X @ w)), softmax(X @ d["W"])[:, 1], rtol=1e-12)
    assert not exercises.check("ch3.two_class_logistic_weights", -w, quiet=True)  # w_0 − w_1
    assert not exercises.check("ch3.two_class_logistic_weights", d["W"][:, 1], quiet=True)
    # ch4.1: w_final is what a plain loop of Algorithm 4.1 returns; the unscaled weights are wrong
    d = exercises.problem("ch4.scaled_weights")
    np.testing.assert_array_equal(d["w_final"], _perceptron_loop(d["X_hat"], d["y"]))
    np.testing.assert_allclose(_perceptron_loop(d["a"] * d["X_hat"], d["y"]), d["a"] * d["w_final"])
    assert not exercises.check("ch4.scaled_weights", d["w_final"], quiet=True)
    assert not exercises.check("ch4.scaled_weights", d["a"] ** 2 * d["w_final"], quiet=True)
    # ch6.2: the loop's full convolution; its 180° rotation (cross-correlation thinking) is wrong
    d = exercises.problem("ch6.stacked_kernel")
    f = _full_convolution(d["f1"], d["f2"])
    assert not exercises.check("ch6.stacked_kernel", f[::-1, ::-1], quiet=True)
    assert not exercises.check("ch6.stacked_kernel", d["f1"], quiet=True)
    # ch7.3: the tanh SRN with the candidate weights; "z = 1 keeps h_0" or U_c transposed are wrong
    d = exercises.problem("ch7.gru_as_srn")
    assert not exercises.check("ch7.gru_as_srn", np.zeros(4), quiet=True)
    wrong = _tanh_srn_last_state(d["xs"], d["W_c"], d["U_c"].T, d["b_c"])
    assert not exercises.check("ch7.gru_as_srn", wrong, quiet=True)


def test_symmetric_start_count_is_not_hard_wired():
    """The module's count of distinct hidden units sees all five when the start is random, and the
    equal start does move the weights (so the answer 1 is about training, not about the start)."""
    d = exercises.problem("ch5.symmetric_hidden_units")
    model = nn.mlp(d["sizes"], "tanh", rng=0)
    nn.fit(model, d["X"], d["labels"], optim.GD(d["lr"]), d["steps"], batch_size=None)
    assert exercises._distinct_hidden_units(model) == d["sizes"][1]
    equal = nn.mlp(d["sizes"], "tanh")
    for layer in equal.layers:
        for value in layer.params.values():
            value[...] = d["value"]
    nn.fit(equal, d["X"], d["labels"], optim.GD(d["lr"]), d["steps"], batch_size=None)
    assert np.abs(equal[0].params["W"] - d["value"]).max() > 1e-3
    assert exercises._distinct_hidden_units(equal) == 1
    assert not exercises.check("ch5.symmetric_hidden_units", d["sizes"][1], quiet=True)


def test_xor_best_matches_all_linear_classifiers():
    """A 2-1-2 network is a linear classifier (solution 5.4): over every threshold function of two
    ±1 inputs (a weight search), the best agreement with XOR is the module's search result."""
    X = np.array(list(itertools.product((-1, 1), repeat=2)))
    xor = X[:, 0] != X[:, 1]
    best = max(
        int(np.sum((X @ np.array(w) + b > 0) == xor))
        for w in itertools.product(range(-2, 3), repeat=2)
        for b in np.arange(-4.5, 5.0)
    )
    assert best == exercises.expected("ch5.xor_one_hidden_unit") == 3
    assert not exercises.check("ch5.xor_one_hidden_unit", 4, quiet=True)


def test_pool_shift_probability_matches_a_simulation():
    """The exact 2/3 of the module against the fraction of changed interior outputs of a large
    random image (standard error about 0.002)."""
    from nndl import conv

    img = np.random.default_rng(1).uniform(size=(400, 400))
    shifted = np.zeros_like(img)
    shifted[:, 1:] = img[:, :-1]
    a, b = conv.max_pool2d(img[None, None])[0, 0], conv.max_pool2d(shifted[None, None])[0, 0]
    assert abs(np.mean(a[:, 1:] != b[:, 1:]) - exercises.expected("ch6.pool_shift_changed")) < 0.01
    for slip in (1 / 2, 1 / 3, 3 / 4):
        assert not exercises.check("ch6.pool_shift_changed", slip, quiet=True)


def _chapter_notebook(chapter: int) -> list[dict]:
    (path,) = NOTEBOOKS.glob(f"ch{chapter:02d}-*.ipynb")
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("key", KEYS)
def test_notebook_offers_the_check_under_its_exercise_and_runs_it(key):
    """Under the statement of its exercise (before the folded solution) the chapter shows the reader
    the call to make, and a hidden check cell makes that call with the value it computes, stored ✓."""
    ex = exercises.EXERCISES[key]
    cells = _chapter_notebook(ex.chapter)
    sources = ["".join(c["source"]) for c in cells]
    (i,) = [i for i, s in enumerate(sources) if f"**Exercise {ex.exercise} " in s]
    statement = sources[i].split(f"**Exercise {ex.exercise} ", 1)[1]
    assert f'exercises.check("{key}"' in statement, f"exercise {ex.exercise} does not show how to check {key}"
    assert "admonition} Solution" not in sources[i] and "admonition} Solution" in sources[i + 1]
    calls = [
        c
        for c in cells[i + 2 :]
        if c["cell_type"] == "code" and f'exercises.check("{key}",' in "".join(c["source"])
    ]
    assert calls, f"no code cell of chapter {ex.chapter} calls check for {key}"
    output = "".join("".join(o.get("text", "")) for o in calls[0]["outputs"] if o["output_type"] == "stream")
    assert f"✓ {key}: right." in output, output
