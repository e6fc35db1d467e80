"""Choosing the text model's linear classifier by inner cross-validation (``cv --tune``).

A figure is only honest if no setting was chosen by looking at the folds it is
measured on. ``cv --tune`` therefore nests the choice: on each outer training
fold, every candidate below is scored by an inner stratified CV of that fold
alone, and the winner is refitted on the whole training fold before it sees the
outer test fold once.

The grid: both usual linear losses (logistic, as in the default model, and
squared hinge, the plain LinearSVC), each at its usual C and a factor of four
either side, with and without balanced class weights. It was written after
diagnostic runs on the outer folds of the shared datasets had shown LinearSVC
ahead on telecom (docs/benchmarks.md), so the list is not blind to them; the
choice among its candidates is. Calibration is left out: ``cv`` reports argmax
decisions, which calibration is not for, and it triples every fit.

The feature step (normalisation, TF-IDF, signal counts) uses no labels. It is
fitted once per outer training fold and shared by the inner folds; it never
sees an outer test fold.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

from classifier.model import SEED, fold_splitter

log = logging.getLogger(__name__)

INNER_FOLDS = 3


def default_grid() -> list[tuple[str, ClassifierMixin]]:
    """Candidates in order of preference: a tie goes to the earlier one (the default first)."""
    grid: list[tuple[str, ClassifierMixin]] = []
    for weight in ("balanced", None):
        tag = "balanced" if weight else "unweighted"
        for C in (8.0, 2.0, 32.0):
            grid.append(
                (
                    f"logistic C={C:g} {tag}",
                    LogisticRegression(C=C, max_iter=3000, class_weight=weight, random_state=SEED),
                )
            )
        for C in (1.0, 0.25, 4.0):
            grid.append(
                (
                    f"linear SVM C={C:g} {tag}",
                    LinearSVC(C=C, class_weight=weight, max_iter=5000, random_state=SEED),
                )
            )
    return grid


def select(
    X,
    y: np.ndarray,
    grid: list[tuple[str, BaseEstimator]],
    groups: np.ndarray | None = None,
    folds: int = INNER_FOLDS,
) -> tuple[int, list[float]]:
    """Index of the best candidate by macro F1 of inner out-of-fold predictions, and all scores.

    Pooling the inner predictions before scoring keeps a class with a few dozen
    rows from swinging the score of one small inner fold.
    """
    splitter = fold_splitter(folds, groups is not None)
    splits = list(splitter.split(np.zeros(len(y)), y, groups))
    labels = sorted(set(y.tolist()))
    scores = []
    for name, candidate in grid:
        predicted = np.empty(len(y), dtype=y.dtype)
        for train, test in splits:
            predicted[test] = clone(candidate).fit(X[train], y[train]).predict(X[test])
        score = float(f1_score(y, predicted, labels=labels, average="macro", zero_division=0))
        log.debug("inner CV: %s macro F1 %.4f", name, score)
        scores.append(score)
    return int(np.argmax(scores)), scores  # argmax: the first of equal scores
