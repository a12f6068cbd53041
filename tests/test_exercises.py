"""nndl.exercises: the expected answers (computed numerically in the module) agree with the closed
forms the chapters' solutions derive, and `check` accepts right answers and rejects wrong ones."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from nndl import exercises
from nndl.functions import softmax


def _threshold_tables_by_search(n: int) -> int:
    """Distinct truth tables of units [w·x + b > 0] over small integer weights and half-integer
    biases (no ties at 0): enough for every threshold function of up to three inputs."""
    corners = np.array(list(itertools.product((0, 1), repeat=n)))
    tables = set()
    for w in itertools.product(range(-2, 3), repeat=n):
        for b in np.arange(-n - 2.5, n + 3.0):
            tables.add(tuple(corners @ np.array(w) + b > 0))
    return len(tables)


def _closed_form(key: str, d: dict):
    """The answer as the chapter's folded solution derives it, from the problem's data."""
    if key == "ch1.threshold_functions":
        return _threshold_tables_by_search(d["n_inputs"])
    if key == "ch1.mlp_parameters":
        sizes = d["sizes"]
        return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if key == "ch1.exp_overflow_float32":
        return 128 * np.log(2) + np.log1p(-2.0 ** -24)           # log of (2 − 2⁻²³)·2¹²⁷
    if key == "ch2.quadratic_gradient":
        return (d["A"] + d["A"].T) @ d["x"]
    if key == "ch2.hadamard_jacobian":
        return np.diag(2 * d["x"])
    if key == "ch2.softmax_temperature_jacobian":
        s = softmax(d["x"] / d["T"])
        return (np.diag(s) - np.outer(s, s)) / d["T"]
    if key == "ch2.log_softmax_jacobian":
        s = softmax(d["x"])
        return np.eye(s.size) - np.outer(s, np.ones(s.size))          # I − s 1ᵀ
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
    if key == "ch3.momentum_terminal_step":
        return -d["lr"] / (1 - d["rho"]) * d["g"]
    if key == "ch4.margin":
        return np.min(d["y"] * (d["X_hat"] @ d["w"])) / np.linalg.norm(d["w"])
    if key == "ch4.mistake_bound":
        R2 = np.max(np.sum(d["X_hat"] ** 2, axis=1))
        return R2 / _closed_form("ch4.margin", d) ** 2
    if key == "ch4.xor_separable":
        return False
    if key == "ch5.tanh_max_derivative":
        return 1.0
    if key == "ch5.output_delta":
        Z, labels = d["Z"], d["labels"]
        return (softmax(Z) - np.eye(Z.shape[1])[labels]) / len(labels)
    if key == "ch6.output_size":
        return (d["H"] + 2 * d["P"] - d["k"]) // d["S"] + 1
    if key == "ch6.same_padding":
        return (d["k"] - 1) // 2
    if key == "ch6.c3_params_without_table":
        return 16 * 6 * 5 * 5 + 16
    if key == "ch6.lenet_s2":
        return (6 * 14 * 14 * (4 + 1), 6 * 2)
    if key == "ch7.param_counts":
        block = d["D"] * d["H"] + d["H"] ** 2 + d["H"]
        return (block, 4 * block + 3 * d["H"], 3 * block)
    if key == "ch7.one_step_jacobian":
        h_t = np.tanh(d["h_prev"] @ d["U"] + d["x_t"] @ d["W"] + d["b"])
        return d["U"] @ np.diag(1 - h_t ** 2)                          # book: Uᵀ diag(1 − h_t²)
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
            value[...] = 0                      # modifying the copy does not change the exercise
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
    assert not exercises.check("ch4.xor_separable", 0)          # a bool is expected, not 0
    assert not exercises.check("ch5.tanh_max_derivative", float("nan"))


def test_threshold_count_matches_a_weight_search_beyond_two_inputs():
    # The perceptron-based count of the module against the search, for 1 and 3 inputs as well
    # (4, 14 and 104 threshold functions of 1, 2 and 3 inputs).
    solve = exercises.EXERCISES["ch1.threshold_functions"].solve
    counts = [solve({"n_inputs": n}) for n in (1, 2, 3)]
    assert counts == [_threshold_tables_by_search(n) for n in (1, 2, 3)]
    assert counts[1] == 2 ** 4 - 2                                  # all but XOR and XNOR


def test_chapter_1_common_slips_are_rejected():
    assert not exercises.check("ch1.threshold_functions", 16, quiet=True)    # "every function"
    assert not exercises.check("ch1.threshold_functions", 15, quiet=True)    # XNOR forgotten
    assert not exercises.check("ch1.mlp_parameters", 784 * 100 + 100 * 10, quiet=True)  # no biases
    assert not exercises.check("ch1.exp_overflow_float32", np.log(np.finfo(np.float64).max), quiet=True)
    assert not exercises.check("ch1.exp_overflow_float32", 88.7, quiet=True)
    assert exercises.check("ch1.exp_overflow_float32", 88.72, quiet=True)   # two decimals suffice
    assert exercises.check("ch1.exp_overflow_float32", np.log(np.finfo(np.float32).max), quiet=True)


def test_unknown_key_lists_the_known_ones():
    with pytest.raises(KeyError, match="ch4.margin"):
        exercises.check("ch4.nonsense", 1.0)
    assert exercises.keys(4) == ["ch4.margin", "ch4.mistake_bound", "ch4.xor_separable"]
