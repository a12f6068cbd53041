"""Evaluating a classifier (draft section 3.4, 评价方法).

Labels are integer class indices 0, …, C−1 as arrays (N,) (the draft writes ω₁, …, ω_C); ``y``
is the truth and ``y_pred`` the classifier's output.  C = ``num_classes`` defaults to
max(y, y_pred) + 1.  Everything is computed from counts made with ``np.bincount``, with no
Python loop over samples.

What the draft calls things, and where it slips:

- 正确率 (accuracy, "correct rate"), (3.15)/(3.70): `accuracy`; 错误率 (error rate), (3.71):
  `error_rate`.
- 准确率 (precision, P; also 查准率, 精确率, 精度), (3.72): the fraction of the samples
  *predicted* as class c that really are c.  召回率 (recall, R; also 查全率), (3.73): the fraction
  of the samples *of* class c that were found.  F1值 (F1 score), (3.74): their harmonic mean.
  All three per class: `precision_recall_f1`.  Candidate erratum 24: twice the draft writes
  正确率 (accuracy) where it means 准确率 (precision): "正确率和召回率是广泛用于…" and
  "F1值是根据正确率和召回率…".
  Beware that later texts, including the published edition of this book, use 准确率 for
  *accuracy* and 精确率 for precision; this module follows the 2015 draft and says "precision".
- 宏平均 (macro average), (3.75)–(3.77): the mean of the per-class P and R over the C classes
  (erratum 25: the sums run over c, not i).  (3.77) then takes F1 of the two means, which is
  *not* the mean of the per-class F1 although the text defines macro averaging as "the
  arithmetic mean of each class's metric" (erratum 26).  `macro_f1` offers both:
  ``form="mean"`` (mean_c F1_c, scikit-learn's ``average="macro"``) and ``form="harmonic"`` (3.77).
- 微平均 (micro average): the draft averages a per-sample P and R, concluding that micro P = R = F1
  always.  Micro averaging pools the counts TP, FP, FN over the classes before dividing
  (erratum 27); P = R = F1 = accuracy holds only for single-label data with *all* classes
  pooled, not e.g. for the positive class of a binary problem.  `micro_precision_recall_f1`.
- The confusion matrix is not in the draft; it holds every count the metrics need
  (rows = true class, columns = predicted class, as in scikit-learn).

Undefined ratios: a class that is never predicted has no precision (0/0), a class absent from
``y`` has no recall.  They are reported as 0.0, without a warning, as scikit-learn does with
``zero_division=0``; an F1 with P + R = 0 is 0.0 too.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_label_array, require_ndim

__all__ = [
    "accuracy",
    "error_rate",
    "confusion_matrix",
    "precision_recall_f1",
    "macro_f1",
    "micro_precision_recall_f1",
    "MACRO_FORMS",
]

#: The accepted values of ``form`` in `macro_f1`: (3.77) as printed, or the mean of per-class F1.
MACRO_FORMS = ("mean", "harmonic")


# ------------------------------------------------------------------------------- helpers
def _pair(y, y_pred):
    """Validated label arrays (N,), int64, of equal length N ≥ 1."""
    t = as_label_array(y, "y")
    p = as_label_array(y_pred, "y_pred")
    require_ndim(t, (1,), "y", "(N,) (integer class labels)")
    require_ndim(p, (1,), "y_pred", "(N,) (integer class labels)")
    if t.shape != p.shape:
        raise ValueError(f"y has shape {t.shape} but y_pred has shape {p.shape}: they must be equal")
    if t.size == 0:
        raise ValueError("y and y_pred are empty: a metric needs at least one sample")
    return t, p


def _num_classes(t, p, num_classes, extra=None) -> int:
    """C: the given num_classes (checked against the labels) or max(y, y_pred[, extra]) + 1."""
    largest = max(int(t.max()), int(p.max()), -1 if extra is None or extra.size == 0 else int(extra.max()))
    if num_classes is None:
        return largest + 1
    if (
        isinstance(num_classes, (bool, np.bool_))
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 1
    ):
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    if largest >= num_classes:
        raise ValueError(
            f"the labels go up to {largest}, but num_classes={num_classes}: "
            f"labels must be integers in 0..{num_classes - 1}"
        )
    return int(num_classes)


def _ratio(num, den):
    """num / den elementwise, 0.0 where den == 0 (no warning)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _f1(p, r):
    """F1 = P · R · 2 / (P + R), eq. (3.74); 0 where P + R = 0."""
    return _ratio(2.0 * p * r, p + r)


def _counts(t, p, c):
    """Per-class (TP, number predicted as c, number truly c), all (C,)."""
    cm = _confusion(t, p, c)
    return np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)


def _confusion(t, p, c):
    return np.bincount(t * c + p, minlength=c * c).reshape(c, c)


# ------------------------------------------------------------------------------- metrics
def accuracy(y, y_pred) -> float:
    """正确率 (accuracy): the fraction of samples with ŷ_i = y_i, eq. (3.15)/(3.70)."""
    t, p = _pair(y, y_pred)
    return float(np.count_nonzero(t == p) / t.size)


def error_rate(y, y_pred) -> float:
    """错误率 (error rate): the fraction of samples with ŷ_i ≠ y_i, eq. (3.71); 1 − accuracy."""
    t, p = _pair(y, y_pred)
    return float(np.count_nonzero(t != p) / t.size)


def confusion_matrix(y, y_pred, num_classes=None) -> np.ndarray:
    """(C, C) int64 counts (the tallies behind (3.72)–(3.74)): entry [i, j] is the number of samples
    of true class i predicted as j.

    Rows = true class, columns = predicted class (scikit-learn's convention).  The diagonal holds
    the true positives of each class; column sums count predictions, row sums count the truth.
    """
    t, p = _pair(y, y_pred)
    return _confusion(t, p, _num_classes(t, p, num_classes))


def precision_recall_f1(y, y_pred, num_classes=None):
    """Per-class precision (3.72), recall (3.73) and F1 (3.74) as three float arrays (C,).

    P_c = TP_c / #(ŷ = c) (准确率), R_c = TP_c / #(y = c) (召回率), F1_c = 2 P_c R_c / (P_c + R_c).
    A class never predicted gets P_c = 0, a class absent from ``y`` gets R_c = 0, and F1_c = 0
    when P_c + R_c = 0, all without a warning (scikit-learn's ``zero_division=0``).
    """
    t, p = _pair(y, y_pred)
    tp, predicted, actual = _counts(t, p, _num_classes(t, p, num_classes))
    precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
    return precision, recall, _f1(precision, recall)


def macro_f1(y, y_pred, form: str = "mean", num_classes=None) -> float:
    """Macro-averaged F1 over all C classes (宏平均), in one of two forms.

    ``form="mean"``: (1/C) Σ_c F1_c, the arithmetic mean the draft's text describes and
    scikit-learn's ``f1_score(average="macro")``.  ``form="harmonic"``: (3.77),
    2 P_macro R_macro / (P_macro + R_macro) with P_macro, R_macro the means (3.76), (3.75).
    The two differ in general (candidate erratum 26).  Classes 0..C−1 that occur in neither
    ``y`` nor ``y_pred`` count with F1 = 0 (scikit-learn averages over the labels present,
    unless given ``labels=range(C)``).
    """
    if not (isinstance(form, str) and form in MACRO_FORMS):
        raise ValueError(f"form must be one of {MACRO_FORMS}, got {form!r}")
    precision, recall, f1 = precision_recall_f1(y, y_pred, num_classes)
    if form == "mean":
        return float(f1.mean())
    return float(_f1(precision.mean(), recall.mean()))


def micro_precision_recall_f1(y, y_pred, num_classes=None, labels=None):
    """Micro-averaged (微平均) precision, recall and F1 as three floats.

    The counts are pooled over the classes in ``labels`` (all C classes by default) before
    dividing: P = Σ TP_c / Σ #(ŷ = c), R = Σ TP_c / Σ #(y = c), F1 from (3.74).  With all classes
    pooled every wrong prediction is one false positive and one false negative, so
    P = R = F1 = accuracy (3.70); for a subset, e.g. ``labels=[1]`` for the positive class of a
    binary problem, P and R differ in general (candidate erratum 27).  Undefined ratios are 0.0.
    """
    t, p = _pair(y, y_pred)
    chosen = None
    if labels is not None:
        chosen = as_label_array(labels, "labels")
        require_ndim(chosen, (1,), "labels", "(K,) (distinct class labels)")
        if chosen.size == 0 or np.unique(chosen).size != chosen.size:
            raise ValueError(
                f"labels must be a non-empty list of distinct class labels, got {chosen.tolist()}"
            )
    c = _num_classes(t, p, num_classes, chosen)
    tp, predicted, actual = _counts(t, p, c)
    if chosen is not None:
        tp, predicted, actual = tp[chosen], predicted[chosen], actual[chosen]
    precision = _ratio(tp.sum(), predicted.sum())
    recall = _ratio(tp.sum(), actual.sum())
    return float(precision), float(recall), float(_f1(precision, recall))
