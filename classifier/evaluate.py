"""Cross-validation of the page text model on any labelled texts (``scamscan cv``).

This is the text model alone: no block scoring, aggregator or thresholds, so its
figures are not those of the shipped scorer. Those are measured out of fold by
``classifier.training.train`` and recorded in the model card.

With ``tune``, the classifier step is chosen on each outer training fold by an
inner CV (``classifier.tuning``), so no choice looks at the fold it is scored on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.pipeline import Pipeline

from classifier import tuning
from classifier.model import build_pipeline, fold_splitter

log = logging.getLogger(__name__)


@dataclass
class CVReport:
    folds: int
    grouped: bool
    n: int
    classes: list[str]
    per_class: dict[str, dict[str, float]]
    macro_f1: float
    weighted_f1: float
    accuracy: float
    seconds: float
    fold_seconds: list[float] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # with tune: the classifier of each fold

    def as_dict(self) -> dict:
        return asdict(self)

    def markdown(self) -> str:
        lines = [
            f"{self.folds}-fold {'site-grouped ' if self.grouped else ''}stratified CV "
            f"on {self.n} texts, {self.seconds:.1f} s",
            "",
            "| class | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for label, m in self.per_class.items():
            lines.append(
                f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} "
                f"| {int(m['support'])} |"
            )
        lines += [
            "",
            f"macro F1 {self.macro_f1:.4f}, weighted F1 {self.weighted_f1:.4f}, "
            f"accuracy {self.accuracy:.4f}",
        ]
        if self.chosen:
            lines += [
                "",
                f"classifier chosen by inner {tuning.INNER_FOLDS}-fold CV on each training fold: "
                + "; ".join(f"fold {i + 1}: {name}" for i, name in enumerate(self.chosen)),
            ]
        return "\n".join(lines)


def out_of_fold(
    texts: list[str],
    labels: list[str],
    groups: list[str] | None = None,
    folds: int = 5,
    pipeline: Pipeline | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str], list[float]]:
    """Out-of-fold class probabilities for every text: (proba, y, classes, fold seconds)."""
    y = np.asarray(labels)
    classes = sorted(set(labels))
    model = pipeline if pipeline is not None else build_pipeline()
    splitter = fold_splitter(folds, groups is not None)
    proba = np.zeros((len(texts), len(classes)))
    seconds = []
    texts_arr = np.asarray(texts, dtype=object)
    for train, test in splitter.split(texts_arr, y, groups):
        started = time.perf_counter()
        fitted = clone(model).fit(list(texts_arr[train]), y[train])
        fold_proba = fitted.predict_proba(list(texts_arr[test]))
        for j, label in enumerate(fitted.classes_):
            proba[test, classes.index(label)] = fold_proba[:, j]
        seconds.append(time.perf_counter() - started)
    return proba, y, classes, seconds


def tuned_out_of_fold(
    texts: list[str],
    labels: list[str],
    groups: list[str] | None = None,
    folds: int = 5,
    pipeline: Pipeline | None = None,
    grid: list[tuple[str, BaseEstimator]] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[float], list[str]]:
    """Out-of-fold predicted labels, the classifier picked per fold by an inner CV of its
    training fold: (predicted, y, fold seconds, chosen names).

    Only the pipeline's label-free ``features`` step is kept; it is fitted on the
    outer training fold, so the outer test fold is transformed but never fitted on.
    """
    y = np.asarray(labels)
    model = pipeline if pipeline is not None else build_pipeline()
    candidates = grid if grid is not None else tuning.default_grid()
    group_arr = np.asarray(groups) if groups is not None else None
    predicted = np.empty(len(texts), dtype=y.dtype)
    seconds, chosen = [], []
    texts_arr = np.asarray(texts, dtype=object)
    for train, test in fold_splitter(folds, groups is not None).split(texts_arr, y, groups):
        started = time.perf_counter()
        features = clone(model.named_steps["features"])
        X_train = features.fit_transform(list(texts_arr[train]))
        best, scores = tuning.select(
            X_train, y[train], candidates, None if group_arr is None else group_arr[train]
        )
        name, candidate = candidates[best]
        fitted = clone(candidate).fit(X_train, y[train])
        predicted[test] = fitted.predict(features.transform(list(texts_arr[test])))
        seconds.append(time.perf_counter() - started)
        chosen.append(name)
        log.info("fold %d: %s (inner macro F1 %.4f)", len(chosen), name, scores[best])
    return predicted, y, seconds, chosen


def cross_validate(
    texts: list[str],
    labels: list[str],
    groups: list[str] | None = None,
    folds: int = 5,
    pipeline: Pipeline | None = None,
    tune: bool = False,
    grid: list[tuple[str, BaseEstimator]] | None = None,
) -> CVReport:
    """Per-class and averaged scores of out-of-fold argmax decisions.

    ``tune`` chooses the classifier among ``grid`` (default ``tuning.default_grid()``)
    by an inner CV on each training fold; otherwise ``pipeline`` is used as it is.
    """
    started = time.perf_counter()
    classes = sorted(set(labels))
    chosen: list[str] = []
    if tune:
        predicted, y, fold_seconds, chosen = tuned_out_of_fold(
            texts, labels, groups, folds, pipeline, grid
        )
    else:
        proba, y, classes, fold_seconds = out_of_fold(texts, labels, groups, folds, pipeline)
        predicted = np.asarray(classes)[proba.argmax(axis=1)]
    p, r, f, s = precision_recall_fscore_support(y, predicted, labels=classes, zero_division=0)
    per_class = {
        c: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, c in enumerate(classes)
    }
    return CVReport(
        folds=folds,
        grouped=groups is not None,
        n=len(texts),
        classes=classes,
        per_class=per_class,
        macro_f1=float(f1_score(y, predicted, average="macro")),
        weighted_f1=float(f1_score(y, predicted, average="weighted")),
        accuracy=float(accuracy_score(y, predicted)),
        seconds=time.perf_counter() - started,
        fold_seconds=fold_seconds,
        chosen=chosen,
    )
