"""The text model: a scikit-learn Pipeline from raw text to calibrated class probabilities.

    [ normalise (NFKC, simplified, disguises undone)
        -> jieba word 1-2-gram TF-IDF | character 1-3-gram TF-IDF
    | named signal counts (contacts, off-platform payment, warnings, on-site flow ...) ]
      -> logistic regression (or a linear SVM, ``linear="svc"``),
         probabilities calibrated (sigmoid, inner CV)

Everything is a plain estimator with its parameters in ``get_params`` (no
global state), so ``clone``, cross-validation and persistence work as usual.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from classifier.normalize import normalize
from classifier.signals import CODES, detect_signals
from classifier.tokenize import JiebaTokenizer, read_words

SEED = 0

#: The text model's linear classifiers and each one's default C. The SVM's C is the
#: one a nested choice among 0.03 / 0.1 / 0.3 / 1 took in most outer folds
#: (bench/linear_choice.py --nested); logistic regression stays the default, see
#: docs/benchmarks.md, "Logistic regression or LinearSVC in the bundled model".
LINEAR_C = {"logreg": 8.0, "svc": 0.1}
LINEAR = "logreg"


def fold_splitter(folds: int, grouped: bool) -> StratifiedKFold | StratifiedGroupKFold:
    """Stratified, shuffled with ``SEED``; grouped (a site never on both sides) if ``grouped``."""
    if grouped:
        return StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
    return StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Texts -> normalised texts (the same normalisation the signal detectors see)."""

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        return [normalize(t or "").text for t in texts]


class CompactTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose vocabulary persists as two arrays, not a dict.

    skops writes a dict entry by entry as JSON: a 100,000-term vocabulary took
    minutes and a hundred megabytes. Arrays are written as binary .npy files.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ is the live __dict__
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = sorted(vocabulary, key=vocabulary.get)
            state["_terms"] = np.asarray(terms, dtype=str)
        state["stop_words_"] = None
        return state

    def __setstate__(self, state):
        terms = state.pop("_terms", None)
        if terms is not None:
            state["vocabulary_"] = {str(t): i for i, t in enumerate(terms.tolist())}
        super().__setstate__(state)


class SignalFeatures(TransformerMixin, BaseEstimator):
    """Texts -> one column per signal code: log(1 + number of places it fired)."""

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        rows = np.zeros((len(texts), len(CODES)))
        index = {code: i for i, code in enumerate(CODES)}
        for r, text in enumerate(texts):
            for signal in detect_signals(text or ""):
                if signal.code in index:
                    rows[r, index[signal.code]] = np.log1p(len(signal.spans))
        return sparse.csr_matrix(rows)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"signal:{code}" for code in CODES], dtype=object)


def linear_classifier(
    linear: str = LINEAR, C: float | None = None
) -> LogisticRegression | LinearSVC:
    """The linear step, balanced class weights: ``"logreg"`` or ``"svc"`` (C: ``LINEAR_C``).

    The SVM solves the dual: a few hundred pages against hundreds of thousands of
    n-gram columns, where the dual is the small problem.
    """
    if linear not in LINEAR_C:
        raise ValueError(f"unknown linear classifier {linear!r}; one of {sorted(LINEAR_C)}")
    C = LINEAR_C[linear] if C is None else C
    if linear == "svc":
        return LinearSVC(C=C, class_weight="balanced", dual=True, max_iter=5000, random_state=SEED)
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=SEED)


def build_pipeline(
    words: tuple[str, ...] | None = None,
    C: float | None = None,
    calibrate: bool = True,
    max_features: int = 300_000,
    linear: str = LINEAR,
) -> Pipeline:
    """The default model; ``words`` are extra jieba words (default: the domain list).

    ``linear`` and ``C`` choose the linear step (``linear_classifier``).
    """
    tokenizer = JiebaTokenizer(read_words() if words is None else words)
    text_features = FeatureUnion(
        [
            (
                "words",
                CompactTfidfVectorizer(
                    tokenizer=tokenizer, token_pattern=None, lowercase=False,
                    ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=max_features,
                ),
            ),
            (
                "chars",
                CompactTfidfVectorizer(
                    analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                    lowercase=False, max_features=max_features,
                ),
            ),
        ]
    )  # fmt: skip
    features = FeatureUnion(
        [
            ("text", Pipeline([("normalize", TextNormalizer()), ("tfidf", text_features)])),
            ("signals", SignalFeatures()),
        ]
    )
    head = linear_classifier(linear, C)
    classifier = CalibratedClassifierCV(head, method="sigmoid", cv=3) if calibrate else head
    return Pipeline([("features", features), ("classifier", classifier)])


def vectorizers(pipeline: Pipeline) -> list[TfidfVectorizer]:
    union = pipeline.named_steps["features"]
    tfidf = union.transformer_list[0][1].named_steps["tfidf"]
    return [tfidf.transformer_list[0][1], tfidf.transformer_list[1][1]]


def feature_names(pipeline: Pipeline) -> np.ndarray:
    """Names of the fitted pipeline's features, in column order (for explaining scores)."""
    words, chars = vectorizers(pipeline)
    names = [f"w:{n}" for n in words.get_feature_names_out()]
    names += [f"c:{n}" for n in chars.get_feature_names_out()]
    names += list(pipeline.named_steps["features"].transformer_list[1][1].get_feature_names_out())
    return np.asarray(names, dtype=object)


def class_weights(pipeline: Pipeline, label: str) -> np.ndarray:
    """The linear weights for one class, averaged over the calibration folds."""
    classifier = pipeline.named_steps["classifier"]
    estimators = (
        [c.estimator for c in classifier.calibrated_classifiers_]
        if hasattr(classifier, "calibrated_classifiers_")
        else [classifier]
    )
    rows = []
    for est in estimators:
        classes = list(est.classes_)
        coef = est.coef_
        if coef.shape[0] == 1:  # binary: one row, for classes_[1]
            rows.append(coef[0] if classes[1] == label else -coef[0])
        else:
            rows.append(coef[classes.index(label)])
    return np.mean(rows, axis=0)
