"""Scoring pages: the result moderators and batch clients see, everywhere the same.

    {score, label, suggestion, signals, contacts, blocks, terms, model}

The model is persisted with skops (no pickle: loading never runs code from the
file), with a JSON model card beside it. The bundled default model is trained
from the corpus on first use and cached; its version is a hash of the corpus
and the training code, so a changed corpus means a retrained model.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import skops.io as sio

from classifier.contacts import find_contacts
from classifier.document import Document, InputRejected, document
from classifier.featurize import PageFeaturizer
from classifier.linear import LinearHead
from classifier.model import class_weights, feature_names
from classifier.training import (
    POSITIVE,
    PageModel,
    PageScores,
    aggregate_features,
    corpus_fingerprint,
    corpus_training_examples,
    page_scores,
    solicitation_column,
    train,
)

log = logging.getLogger(__name__)

MODEL_FILE = "model.skops"
CARD_FILE = "card.json"
TOP_TERMS = 10
TOP_BLOCKS = 5
#: Every type a model file may contain beyond what skops trusts by itself: our own
#: classes and two scikit-learn internals, by exact name. A prefix rule ("sklearn.",
#: "numpy.") would let a crafted file name a library *function* and run it.
ALLOWED_TYPES = frozenset(
    {
        "classifier.training.PageModel",
        "classifier.model.TextNormalizer",
        "classifier.model.SignalFeatures",
        "classifier.model.CompactTfidfVectorizer",
        "classifier.tokenize.JiebaTokenizer",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
    }
)

__all__ = ["InputRejected", "Scorer", "default_model_dir"]


def default_model_dir() -> Path:
    """Where the default model is cached: ``$SCAMSCAN_MODEL_DIR`` or ~/.cache/scamscan/model."""
    env = os.environ.get("SCAMSCAN_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "scamscan" / "model"


def save(model: PageModel, model_dir: Path) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = model_dir / (MODEL_FILE + ".tmp")
    sio.dump(model, tmp)
    tmp.replace(model_dir / MODEL_FILE)
    (model_dir / CARD_FILE).write_text(
        json.dumps(model.card, ensure_ascii=False, indent=2), "utf-8"
    )


def load_model(model_dir: Path) -> PageModel:
    """Load a model written by ``save``; refuses files holding types we did not write."""
    path = model_dir / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir}: no {MODEL_FILE} (train one with `scamscan train`)")
    untrusted = set(sio.get_untrusted_types(file=path))
    unexpected = sorted(untrusted - ALLOWED_TYPES)
    if unexpected:
        raise ValueError(f"{path}: refusing to load unexpected types {unexpected}")
    model = sio.load(path, trusted=sorted(untrusted))
    if not isinstance(model, PageModel):
        raise ValueError(f"{path}: not a scamscan model")
    return model


@contextmanager
def model_lock(model_dir: Path):
    """One trainer at a time: parallel workers wait for the first to finish."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _cached_version(model_dir: Path) -> str | None:
    try:
        return json.loads((model_dir / CARD_FILE).read_text("utf-8")).get("version")
    except (OSError, ValueError):
        return None


def train_default(model_dir: Path, sites_dir: Path | None = None) -> PageModel:
    """Train on a corpus (default: the bundled one) and save to ``model_dir``."""
    version = corpus_fingerprint(sites_dir)
    log.info("training model %s from the bundled corpus", version)
    model = train(corpus_training_examples(sites_dir), version=version)
    save(model, model_dir)
    log.info("model %s saved to %s (%.1f s)", version, model_dir, model.card["training_seconds"])
    return model


class Scorer:
    """A loaded model and everything needed to explain its scores."""

    def __init__(self, model: PageModel):
        self.model = model
        self.version = model.version
        self.card = model.card
        self.thresholds = dict(model.thresholds)
        self._col = solicitation_column(model.text_model)
        self._names = feature_names(model.text_model)
        self._weights = class_weights(model.text_model, POSITIVE)
        # The fitted models' arithmetic without scikit-learn's per-call overhead
        # (equal values: tests/test_fast_features.py).
        self._featurizer = PageFeaturizer(model.text_model)
        self._aggregator = LinearHead(model.aggregator)

    @classmethod
    def load(cls, model_dir: Path) -> Scorer:
        return cls(load_model(Path(model_dir)))

    @classmethod
    def from_dir(cls, model_dir: Path | str | None) -> Scorer:
        """A model written by `scamscan train --out DIR`, or the bundled one when None."""
        return cls.default() if model_dir is None else cls.load(Path(model_dir))

    @classmethod
    def default(cls, model_dir: Path | None = None) -> Scorer:
        """The bundled model: cached if up to date with the corpus, trained otherwise."""
        model_dir = model_dir or default_model_dir()
        version = corpus_fingerprint()
        if _cached_version(model_dir) == version:
            return cls.load(model_dir)
        with model_lock(model_dir):
            if _cached_version(model_dir) == version:  # another process trained it meanwhile
                return cls.load(model_dir)
            return cls(train_default(model_dir))

    # scoring

    def suggestion(self, score: float) -> str:
        if score >= self.thresholds["block"]:
            return "block"
        if score >= self.thresholds["review"]:
            return "review"
        return "pass"

    def _final_scores(self, docs: list[Document]) -> tuple[np.ndarray, PageScores]:
        """Final scores, and the page and unit scores with the features and evidence behind them.

        Each page is normalised, segmented and searched for signals once: the same
        pass gives its features, its units' features, its signals and its terms.
        """
        scores = page_scores(self._featurizer, docs, self._col)
        x = np.vstack(
            [
                aggregate_features(
                    scores.page_proba[i, self._col],
                    scores.unit_ps[i],
                    [u.place for u in scores.doc_units[i]],
                )
                for i in range(len(docs))
            ]
        )
        final = self._aggregator.predict_proba(x)[:, 1]
        return final, scores

    def score(
        self, text: str | None = None, html: str | None = None, url: str | None = None
    ) -> dict:
        """One page (plain text, or HTML and its URL) -> the result; InputRejected if unusable."""
        return self._results([document(text, html, url)])[0]

    def score_many(self, docs: Iterable[dict], batch: int = 64) -> Iterator[dict]:
        """Results in input order; a doc that cannot be scored gives {"error": message}."""
        pending: list[Document | str] = []  # a document, or why it cannot be scored
        for item in docs:
            try:
                if not isinstance(item, dict):
                    raise InputRejected("each document must be an object with text or html")
                pending.append(document(item.get("text"), item.get("html"), item.get("url")))
            except InputRejected as exc:
                pending.append(str(exc))
            if len(pending) >= batch:
                yield from self._batch(pending)
                pending = []
        if pending:
            yield from self._batch(pending)

    def _batch(self, pending: list[Document | str]) -> Iterator[dict]:
        docs = [d for d in pending if isinstance(d, Document)]
        results = iter(self._results(docs)) if docs else iter(())
        for d in pending:
            yield next(results) if isinstance(d, Document) else {"error": d}

    def solicitation_scores(self, texts: list[str]) -> np.ndarray:
        """Calibrated P(solicitation) for plain texts, batched (for evaluation)."""
        docs = [document(text=t) for t in texts]
        return self._final_scores(docs)[0]

    def _results(self, docs: list[Document]) -> list[dict]:
        final, scores = self._final_scores(docs)
        page_proba, featurized = scores.page_proba, scores.featurized
        classes = list(self.model.text_model.classes_)
        out = []
        for i in range(len(docs)):
            score = round(float(final[i]), 6)  # the suggestion follows the score shown
            if score >= 0.5:
                label = POSITIVE
            else:
                others = [(page_proba[i, j], c) for j, c in enumerate(classes) if c != POSITIVE]
                label = max(others)[1] if others else "informational"
            out.append(
                {
                    "score": score,
                    "label": label,
                    "suggestion": self.suggestion(score),
                    "signals": [
                        {
                            "code": s.code,
                            "spans": [
                                {"start": sp.start, "end": sp.end, "text": sp.text}
                                for sp in s.spans
                            ],
                        }
                        for s in featurized.signals[i]
                    ],
                    "contacts": [
                        {
                            "kind": c.kind,
                            "value": c.value,
                            "start": c.start,
                            "end": c.end,
                            "text": c.text,
                        }
                        for c in find_contacts(featurized.norms[i])
                    ],
                    "blocks": self._top_blocks(scores.unit_ps[i], scores.doc_units[i]),
                    "terms": self._top_terms(featurized.pages, i),
                    "model": self.version,
                }
            )
        return out

    @staticmethod
    def _top_blocks(unit_ps: np.ndarray, doc_units: list) -> list[dict]:
        order = np.argsort(-unit_ps, kind="stable")[:TOP_BLOCKS]
        return [
            {
                "index": int(k),
                "place": doc_units[k].place,
                "start": doc_units[k].start,
                "end": doc_units[k].end,
                "score": round(float(unit_ps[k]), 6),
            }
            for k in order
        ]

    def _top_terms(self, rows, i: int) -> list[dict]:
        """The features that pushed page ``i`` most towards solicitation (value x weight).

        ``rows`` is CSR; its row is read off the arrays (scipy's row indexing costs more).
        """
        a, b = rows.indptr[i], rows.indptr[i + 1]
        indices = rows.indices[a:b]
        contrib = rows.data[a:b] * self._weights[indices]
        order = np.argsort(-contrib, kind="stable")[:TOP_TERMS]
        return [
            {"term": str(self._names[indices[k]]), "weight": round(float(contrib[k]), 6)}
            for k in order
            if contrib[k] > 0
        ]
