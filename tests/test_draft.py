"""Tests for nndl.draft: the module's contract (every formula names its equation and erratum)
and the chapter-7 readings against independent computations."""

import inspect
import re

import numpy as np
import pytest

from nndl import draft, rnn

#: Which equations are wrong as printed (erratum numbers of notebooks/errata.ipynb).
ERRATA = {
    "conv_delta_621": 53,
    "filter_grad_623": 54,
    "pool_delta_629": 55,
    "bptt_literal": 57,
    "jacobian_norms_77": 57,
}


@pytest.mark.parametrize("name", draft.__all__)
def test_every_formula_names_its_equation_and_erratum(name):
    doc = inspect.getdoc(getattr(draft, name))
    assert re.search(r"\(\d\.\d+\)", doc), f"{name}: no equation number in its docstring"
    if name in ERRATA:
        assert f"erratum {ERRATA[name]}" in doc, f"{name} must cite erratum {ERRATA[name]}"
    else:
        assert "as printed (correct" in doc, f"{name}: say that the printed equation is correct"


def test_the_chapter_modules_no_longer_hold_as_printed_formulas():
    from nndl import conv

    assert not [n for n in dir(conv) if n.startswith("draft_")]
    assert "printed" not in inspect.signature(rnn.jacobian_norms).parameters
    assert not hasattr(rnn, "bptt_literal")


def test_printed_and_corrected_jacobians_agree_only_when_f_prime_is_constant():
    """f(z) = z: f′ = 1 wherever it is evaluated, so the printed (7.7) is right by accident;
    for tanh the two readings differ, and the corrected one equals the product formed here."""
    rng = np.random.default_rng(0)
    U, inputs = rng.normal(size=(4, 4)) / 2, rng.normal(size=(6, 4))
    np.testing.assert_allclose(
        draft.jacobian_norms_77(U, inputs, activation="linear")[0],
        rnn.jacobian_norms(U, inputs, activation="linear")[0],
        rtol=1e-13,
    )
    h, J = np.zeros(4), np.eye(4)
    for u in inputs:
        h = np.tanh(h @ U + u)
        J = J @ (U * (1 - h**2)[None, :])  # U diag(f′(z_i)) with f′(z_i) = 1 − h_i²
    right, _ = rnn.jacobian_norms(U, inputs)
    printed, _ = draft.jacobian_norms_77(U, inputs)
    np.testing.assert_allclose(right[-1], np.linalg.norm(J, 2), rtol=1e-12)
    assert abs(printed[-1] - right[-1]) > 1e-3 * right[-1]


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        draft.filter_grad_623(np.ones((4, 4)), np.ones((2, 2)), 3, 3, True)
