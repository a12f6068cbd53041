"""Tests for nndl.metrics (draft 3.4): against scikit-learn on random labels, against hand counts on
small cases, the undefined-ratio convention (0.0, no warning), and the draft's macro/micro claims
(candidate errata 26 and 27)."""

import re
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from nndl import losses
from nndl import metrics as M

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def labelled(draw, max_classes=6, binary=False):
    """(y, y_pred, C): random single-label data; classes may be missing from either array."""
    c = 2 if binary else draw(st.integers(2, max_classes))  # sklearn warns for C = 1
    n = draw(st.integers(1, 40))
    labels = st.lists(st.integers(0, c - 1), min_size=n, max_size=n)
    return np.array(draw(labels)), np.array(draw(labels)), c


def _silent(fn, *args, **kwargs):
    """Call fn with every warning an error (RuntimeWarning from 0/0 in particular)."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# --------------------------------------------------------------- against scikit-learn (random)
@SETTINGS
@given(labelled())
def test_multiclass_matches_scikit_learn(data):
    y, yp, c = data
    classes = list(range(c))
    assert M.accuracy(y, yp) == pytest.approx(skm.accuracy_score(y, yp), abs=1e-15)  # (3.70)
    assert M.error_rate(y, yp) == pytest.approx(1 - skm.accuracy_score(y, yp), abs=1e-15)  # (3.71)
    np.testing.assert_array_equal(
        M.confusion_matrix(y, yp, num_classes=c), skm.confusion_matrix(y, yp, labels=classes)
    )
    p, r, f, _ = skm.precision_recall_fscore_support(y, yp, labels=classes, average=None, zero_division=0)
    ours = _silent(M.precision_recall_f1, y, yp, num_classes=c)
    for mine, theirs in zip(ours, (p, r, f)):
        assert mine.shape == (c,)
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)  # (3.72)-(3.74)
    assert _silent(M.macro_f1, y, yp, num_classes=c) == pytest.approx(
        skm.f1_score(y, yp, labels=classes, average="macro", zero_division=0), abs=1e-12
    )
    micro = _silent(M.micro_precision_recall_f1, y, yp, num_classes=c)
    np.testing.assert_allclose(
        micro,
        skm.precision_recall_fscore_support(y, yp, labels=classes, average="micro", zero_division=0)[:3],
        rtol=1e-12,
    )
    assert micro[2] == pytest.approx(skm.f1_score(y, yp, average="micro"), abs=1e-12)


@SETTINGS
@given(labelled())
def test_harmonic_macro_matches_its_definition(data):
    """form="harmonic" is (3.77): 2 P_m R_m / (P_m + R_m) with the macro means (3.75)-(3.76)."""
    y, yp, c = data
    kw = dict(labels=list(range(c)), average="macro", zero_division=0)
    pm, rm = skm.precision_score(y, yp, **kw), skm.recall_score(y, yp, **kw)
    expected = 0.0 if pm + rm == 0 else 2 * pm * rm / (pm + rm)
    assert _silent(M.macro_f1, y, yp, form="harmonic", num_classes=c) == pytest.approx(expected, abs=1e-12)


@SETTINGS
@given(labelled(binary=True))
def test_binary_positive_class_matches_scikit_learn(data):
    """labels=[1]: precision, recall and F1 of the positive class alone, as sklearn's binary average."""
    y, yp, _ = data
    expected = skm.precision_recall_fscore_support(y, yp, labels=[1], average="micro", zero_division=0)[:3]
    np.testing.assert_allclose(_silent(M.micro_precision_recall_f1, y, yp, labels=[1]), expected, rtol=1e-12)
    if 1 in y or 1 in yp:  # sklearn's average="binary" needs the positive label to occur
        np.testing.assert_allclose(
            expected,
            skm.precision_recall_fscore_support(y, yp, average="binary", pos_label=1, zero_division=0)[:3],
            rtol=1e-12,
        )


@SETTINGS
@given(labelled(), st.data())
def test_micro_over_a_subset_of_classes_matches_scikit_learn(data, draw):
    y, yp, c = data
    subset = draw.draw(st.lists(st.integers(0, c - 1), min_size=1, max_size=c, unique=True))
    expected = skm.precision_recall_fscore_support(y, yp, labels=subset, average="micro", zero_division=0)[:3]
    np.testing.assert_allclose(
        _silent(M.micro_precision_recall_f1, y, yp, num_classes=c, labels=subset), expected, rtol=1e-12
    )


@SETTINGS
@given(labelled())
def test_all_classes_pooled_micro_equals_accuracy(data):
    """Single-label data, all classes pooled: P = R = F1 = accuracy (the part of the draft's claim
    that is true)."""
    y, yp, _ = data
    acc = float(np.mean(y == yp))
    np.testing.assert_allclose(M.micro_precision_recall_f1(y, yp), [acc, acc, acc], rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_confusion_matrix_counts_pairs_rows_true(seed):
    """Independent count with a Python loop; rows are true classes, columns predictions."""
    rng = np.random.default_rng(seed)
    y, yp = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    expected = np.zeros((4, 4), int)
    for a, b in zip(y, yp):
        expected[a, b] += 1
    cm = M.confusion_matrix(y, yp)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype.kind == "i" and cm.sum() == 50
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(y, minlength=4))  # rows: truth
    np.testing.assert_array_equal(cm.sum(axis=0), np.bincount(yp, minlength=4))  # columns: predictions


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_error_rate_is_mean_zero_one_loss(seed):
    """(3.71) is the empirical risk (3.3) of the 0-1 loss (3.8)."""
    rng = np.random.default_rng(seed)
    y, yp = rng.integers(0, 3, 30), rng.integers(0, 3, 30)
    assert M.error_rate(y, yp) == pytest.approx(losses.zero_one(yp, y), abs=1e-15)
    assert M.accuracy(y, yp) + M.error_rate(y, yp) == pytest.approx(1.0, abs=1e-15)


# -------------------------------------------------------------------------- small hand cases
def test_small_case_by_hand():
    """y = [0, 0, 1, 1], ŷ = [0, 0, 0, 1], counted by hand."""
    y, yp = [0, 0, 1, 1], [0, 0, 0, 1]
    np.testing.assert_array_equal(M.confusion_matrix(y, yp), [[2, 0], [1, 1]])
    p, r, f = M.precision_recall_f1(y, yp)
    np.testing.assert_allclose(p, [2 / 3, 1.0])  # class 0: 2 of 3 predictions right
    np.testing.assert_allclose(r, [1.0, 1 / 2])  # class 1: 1 of 2 found
    np.testing.assert_allclose(f, [4 / 5, 2 / 3])
    assert M.accuracy(y, yp) == 3 / 4 and M.error_rate(y, yp) == 1 / 4


def test_harmonic_and_mean_macro_differ_in_general():
    """Candidate erratum 26, on the hand case above: mean of F1 = 11/15, (3.77) = 15/19."""
    y, yp = [0, 0, 1, 1], [0, 0, 0, 1]
    f1 = [Fraction(4, 5), Fraction(2, 3)]
    pm = (Fraction(2, 3) + 1) / 2  # (3.76): 5/6
    rm = (1 + Fraction(1, 2)) / 2  # (3.75): 3/4
    mean_form, harmonic_form = sum(f1) / 2, 2 * pm * rm / (pm + rm)
    assert (mean_form, harmonic_form) == (Fraction(11, 15), Fraction(15, 19))
    assert M.macro_f1(y, yp) == pytest.approx(float(mean_form), abs=1e-15)
    assert M.macro_f1(y, yp, form="mean") == pytest.approx(float(mean_form), abs=1e-15)
    assert M.macro_f1(y, yp, form="harmonic") == pytest.approx(float(harmonic_form), abs=1e-15)
    assert abs(M.macro_f1(y, yp, form="harmonic") - M.macro_f1(y, yp, form="mean")) > 0.05


def test_binary_positive_class_precision_differs_from_recall():
    """Candidate erratum 27: the micro claim P = R = F1 fails for the positive class alone."""
    y, yp = [1, 1, 1, 0, 0], [1, 0, 0, 1, 0]  # TP = 1, FP = 1, FN = 2
    p, r, f = M.micro_precision_recall_f1(y, yp, labels=[1])
    assert (p, r) == (pytest.approx(1 / 2), pytest.approx(1 / 3))
    assert f == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))
    assert M.accuracy(y, yp) == pytest.approx(2 / 5)  # and none of them is the accuracy
    assert M.micro_precision_recall_f1(y, yp) == pytest.approx((2 / 5,) * 3)  # both classes pooled


def test_undefined_ratios_are_zero_without_warnings():
    """Class 2 is never predicted (no precision), class 3 never occurs in y (no recall)."""
    y = np.array([0, 1, 2, 2, 0])
    yp = np.array([0, 1, 0, 3, 3])
    p, r, f = _silent(M.precision_recall_f1, y, yp)
    # class:          0      1    2    3
    np.testing.assert_allclose(p, [1 / 2, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(r, [1 / 2, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(f, [1 / 2, 1.0, 0.0, 0.0])
    # a class in neither array (num_classes larger than the labels) is 0 too
    p, r, f = _silent(M.precision_recall_f1, y, yp, num_classes=6)
    np.testing.assert_array_equal([p[4:], r[4:], f[4:]], np.zeros((3, 2)))
    assert _silent(M.macro_f1, y, yp, num_classes=6) == pytest.approx((0.5 + 1.0) / 6)
    assert _silent(M.macro_f1, [0, 0], [1, 1], form="harmonic") == 0.0  # P_m = R_m = 0
    assert _silent(M.micro_precision_recall_f1, [0, 0], [0, 0], labels=[1]) == (0.0, 0.0, 0.0)


def test_default_num_classes_is_largest_label_plus_one():
    assert M.confusion_matrix([0, 1], [4, 1]).shape == (5, 5)
    assert M.precision_recall_f1([2, 2], [2, 2])[0].shape == (3,)
    assert M.confusion_matrix([0, 1], [1, 1], num_classes=4).shape == (4, 4)


def test_whole_number_floats_and_bools_are_labels():
    assert M.accuracy(np.array([0.0, 1.0, 2.0]), [0, 1, 1]) == pytest.approx(2 / 3)
    np.testing.assert_array_equal(M.confusion_matrix([True, False], [True, True]), [[0, 1], [0, 1]])


def test_single_class():
    """One class, all correct: every metric is 1 (scikit-learn warns here, so no comparison)."""
    assert M.accuracy([0, 0, 0], [0, 0, 0]) == 1.0
    np.testing.assert_array_equal(M.confusion_matrix([0, 0, 0], [0, 0, 0]), [[3]])
    assert [a.tolist() for a in M.precision_recall_f1([0, 0], [0, 0])] == [[1.0], [1.0], [1.0]]
    assert M.macro_f1([0, 0], [0, 0], form="harmonic") == 1.0


# --------------------------------------------------------------------------------- errors
ALL = [
    M.accuracy,
    M.error_rate,
    M.confusion_matrix,
    M.precision_recall_f1,
    M.macro_f1,
    M.micro_precision_recall_f1,
]


@pytest.mark.parametrize("fn", ALL)
def test_length_mismatch_names_both_shapes(fn):
    with pytest.raises(ValueError, match=re.escape("(5,)") + ".*" + re.escape("(4,)")):
        fn([0, 1, 0, 1, 0], [0, 1, 0, 1])


@pytest.mark.parametrize("fn", ALL)
def test_bad_labels(fn):
    with pytest.raises(ValueError, match="negative label -1"):
        fn([0, -1], [0, 1])
    with pytest.raises(ValueError, match="non-integer value 0.5"):
        fn([0, 1], [0.5, 1])
    with pytest.raises(ValueError, match=r"^y must be finite; found nan at index 1"):
        fn([0, np.nan], [0, 1])
    with pytest.raises(TypeError, match="dtype <U"):
        fn(["cat", "dog"], [0, 1])
    with pytest.raises(ValueError, match=re.escape("(N,)") + ".*" + re.escape("(1, 2)")):
        fn([[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="at least one sample"):
        fn([], [])


@pytest.mark.parametrize(
    "fn", [M.confusion_matrix, M.precision_recall_f1, M.macro_f1, M.micro_precision_recall_f1]
)
def test_num_classes_must_cover_the_labels(fn):
    with pytest.raises(ValueError, match=r"up to 3.*num_classes=3.*0\.\.2"):
        fn([0, 3], [1, 2], num_classes=3)
    with pytest.raises(ValueError, match="positive integer"):
        fn([0, 1], [1, 0], num_classes=0)


def test_bad_macro_form_lists_the_allowed_values():
    with pytest.raises(ValueError, match=re.escape("('mean', 'harmonic')")):
        M.macro_f1([0, 1], [0, 1], form="arithmetic")


def test_bad_micro_labels():
    with pytest.raises(ValueError, match="distinct"):
        M.micro_precision_recall_f1([0, 1], [0, 1], labels=[1, 1])
    with pytest.raises(ValueError, match="distinct"):
        M.micro_precision_recall_f1([0, 1], [0, 1], labels=[])
    with pytest.raises(ValueError, match="negative label"):
        M.micro_precision_recall_f1([0, 1], [0, 1], labels=[-1])
    with pytest.raises(ValueError, match=r"up to 5.*num_classes=2"):
        M.micro_precision_recall_f1([0, 1], [0, 1], num_classes=2, labels=[5])
    # a label that never occurs is allowed without num_classes: it simply contributes no counts
    assert M.micro_precision_recall_f1([0, 1], [0, 1], labels=[5]) == (0.0, 0.0, 0.0)
