"""`cv --tune`: the classifier is chosen by an inner CV that never sees the outer test fold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from classifier.evaluate import cross_validate, tuned_out_of_fold
from classifier.tuning import default_grid, select
from tests.test_classifier_core import run_cv, toy_corpus, write_csv

EVENTS: list[tuple[str, frozenset[int]]] = []  # (what, row ids), appended by the recorders below


class IdFeatures(TransformerMixin, BaseEstimator):
    """Texts "<id> <word>" -> [id, word is 甲]: the id column lets the classifier say which
    rows it was given."""

    def fit(self, texts, y=None):
        EVENTS.append(("features.fit", frozenset(int(t.split()[0]) for t in texts)))
        return self

    def transform(self, texts):
        return np.asarray([[int(t.split()[0]), float(t.split()[1] == "甲")] for t in texts])


class RecordingLogistic(LogisticRegression):
    """A logistic regression on every column but the id, noting the ids it fits and predicts."""

    def fit(self, X, y, sample_weight=None):
        EVENTS.append(("fit", frozenset(X[:, 0].astype(int).tolist())))
        return super().fit(X[:, 1:], y, sample_weight)

    def predict(self, X):
        EVENTS.append(("predict", frozenset(X[:, 0].astype(int).tolist())))
        return super().predict(X[:, 1:])


def id_texts(n: int = 48) -> tuple[list[str], list[str]]:
    words = ["甲" if i % 3 else "乙" for i in range(n)]
    return [f"{i} {w}" for i, w in enumerate(words)], ["a" if w == "甲" else "b" for w in words]


def test_inner_selection_never_sees_the_outer_test_fold():
    texts, labels = id_texts()
    pipeline = Pipeline([("features", IdFeatures()), ("classifier", LogisticRegression())])
    grid = [("weak", RecordingLogistic(C=0.01)), ("strong", RecordingLogistic(C=10.0))]
    EVENTS.clear()
    predicted, _, _, chosen = tuned_out_of_fold(
        texts, labels, folds=4, pipeline=pipeline, grid=grid
    )
    assert len(chosen) == 4 and list(predicted) == labels
    starts = [i for i, (what, _) in enumerate(EVENTS) if what == "features.fit"]
    assert len(starts) == 4
    tested: list[frozenset[int]] = []
    for start, end in zip(starts, [*starts[1:], len(EVENTS)], strict=True):
        (_, train), *inner, (last_fit, refit), (last_predict, test) = EVENTS[start:end]
        assert (last_fit, last_predict) == ("fit", "predict")
        assert refit == train and not train & test and len(inner) == 2 * 2 * 3
        for _, rows in inner:  # every inner fit and prediction: outer training rows only
            assert rows <= train
        for k in range(len(grid)):  # each candidate's inner predictions cover the training fold
            validated = [rows for what, rows in inner[6 * k : 6 * k + 6] if what == "predict"]
            assert sorted(i for rows in validated for i in rows) == sorted(train)
        tested.append(test)
    assert sorted(i for rows in tested for i in rows) == list(range(len(texts)))


def test_selection_goes_by_inner_score_not_by_order():
    X = np.r_[np.eye(2)[[0] * 30], np.eye(2)[[1] * 10]]
    y = np.asarray(["a"] * 30 + ["b"] * 10)
    best, scores = select(
        X, y, [("majority", DummyClassifier()), ("logistic", LogisticRegression())]
    )
    assert best == 1 and scores[1] == 1.0 and scores[0] < 0.5


def test_a_tie_goes_to_the_earlier_candidate():
    X = np.r_[np.eye(2)[[0] * 12], np.eye(2)[[1] * 12]]
    y = np.asarray(["a"] * 12 + ["b"] * 12)
    best, scores = select(X, y, [("first", LogisticRegression()), ("second", LogisticRegression())])
    assert best == 0 and scores[0] == scores[1]


def test_default_grid_names_are_unique_and_start_with_the_default_model():
    names = [name for name, _ in default_grid()]
    assert len(set(names)) == len(names) == 12
    assert names[0] == "logistic C=8 balanced"


def test_untuned_cv_reports_no_choice():
    texts, labels = toy_corpus()
    report = cross_validate(texts, labels, folds=3)
    assert report.chosen == [] and "chosen" not in report.markdown()


def test_cv_command_tune_reports_the_choice_of_each_fold(tmp_path: Path):
    texts, labels = toy_corpus()
    path = write_csv(tmp_path / "toy.csv", list(zip(texts, labels, strict=True)))
    result = run_cv(str(path), "--folds", "3", "--tune", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    grid_names = {name for name, _ in default_grid()}
    assert len(report["chosen"]) == 3 and set(report["chosen"]) <= grid_names
    assert report["macro_f1"] > 0.9
