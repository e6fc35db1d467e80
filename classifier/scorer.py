"""Scoring pages: the result moderators and batch clients see, everywhere the same.

    {score, label, suggestion, signals, contacts, blocks, terms, model}

The model is persisted with skops (no pickle: loading never runs code from the
file), with a JSON model card beside it. The bundled default model is trained
from the corpus on first use and cached; its version is a hash of the corpus
and the training code, so a changed corpus means a retrained model.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import skops.io as sio

from classifier.contacts import find_contacts, with_link_contacts
from classifier.document import Document, InputRejected, document
from classifier.featurize import PageFeaturizer
from classifier.linear import LinearHead
from classifier.model import class_weights, feature_names
from classifier.training import (
    POSITIVE,
    PageModel,
    PageScores,
    aggregator_inputs,
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


def _write_atomic(path: Path, write) -> None:
    """``write(tmp)`` then rename over ``path``: readers see the old file or the new, whole."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())  # on disk before the rename makes it the file
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def save(model: PageModel, model_dir: Path) -> None:
    """Write the model, then card.json: the model file is the one that counts.

    The model carries its own card (``model.card``, with the version), so the
    pair can never be read as one version's card on another version's model:
    card.json is a readable copy, written last. A crash between the two leaves a
    stale card.json, which ``Scorer.load`` warns about and ``Scorer.default`` repairs.
    """
    model_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(model_dir / MODEL_FILE, lambda tmp: sio.dump(model, tmp))
    _write_card(model, model_dir)


def _write_card(model: PageModel, model_dir: Path) -> None:
    card = json.dumps(model.card, ensure_ascii=False, indent=2)
    _write_atomic(model_dir / CARD_FILE, lambda tmp: tmp.write_text(card, "utf-8"))


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


def _card_version(model_dir: Path) -> str | None:
    try:
        return json.loads((model_dir / CARD_FILE).read_text("utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None


def _load_current(model_dir: Path, version: str) -> PageModel | None:
    """The cached model if the model file itself is ``version`` (card.json repaired), else None.

    card.json alone is not trusted: after a crash it may name a version the
    model file is not. A missing, unreadable or other-version model means retrain.
    """
    if not (model_dir / MODEL_FILE).is_file():
        return None
    try:
        model = load_model(model_dir)
    except Exception as exc:  # a damaged or foreign cache file: train a new one
        log.warning("cached model in %s cannot be loaded (%s); retraining", model_dir, exc)
        return None
    if model.version != version:
        return None
    if _card_version(model_dir) != version:
        log.warning(
            "%s did not match its model %s (interrupted save); rewritten", CARD_FILE, version
        )
        _write_card(model, model_dir)
    return model


def train_default(
    model_dir: Path, sites_dir: Path | None = None, extra: list | None = None
) -> PageModel:
    """Train on a corpus (default: the bundled one) plus ``extra`` examples; save the model."""
    version = corpus_fingerprint(sites_dir)
    if extra:
        from classifier.extra import examples_fingerprint

        version = f"{version}+{examples_fingerprint(extra)}"
    log.info("training model %s", version)
    model = train(corpus_training_examples(sites_dir) + list(extra or []), version=version)
    save(model, model_dir)
    log.info("model %s saved to %s (%.1f s)", version, model_dir, model.card["training_seconds"])
    return model


def _freeze_heap() -> None:
    """Leave everything alive now (the model, its vocabularies, the loaded modules) out of
    the garbage collector's full passes.

    Scoring makes many short-lived objects, so the collector runs often, and each
    oldest-generation pass walked the whole model: 4-7% of batch scoring time,
    about 2% once frozen (docs/benchmarks.md). Garbage is collected first so it is
    not frozen with the rest (freezing it also made scoring slower). Frozen objects
    stay alive, as a scorer's model does anyway.
    """
    gc.collect()
    gc.freeze()


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
        _freeze_heap()

    @classmethod
    def load(cls, model_dir: Path) -> Scorer:
        """A saved model; its own card counts when card.json (a copy) disagrees."""
        model_dir = Path(model_dir)
        model = load_model(model_dir)
        card_version = _card_version(model_dir)
        if card_version is not None and card_version != model.version:
            log.warning(
                "%s: %s says %s but the model is %s (interrupted save?); using the model's own",
                model_dir,
                CARD_FILE,
                card_version,
                model.version,
            )
        return cls(model)

    @classmethod
    def from_dir(cls, model_dir: Path | str | None) -> Scorer:
        """A model written by `scamscan train --out DIR`, or the bundled one when None."""
        return cls.default() if model_dir is None else cls.load(Path(model_dir))

    @classmethod
    def default(cls, model_dir: Path | None = None) -> Scorer:
        """The bundled model: cached if up to date with the corpus, trained otherwise.

        Up to date means the version inside the model file, not card.json's.
        """
        model_dir = model_dir or default_model_dir()
        version = corpus_fingerprint()
        model = _load_current(model_dir, version)
        if model is None:
            with model_lock(model_dir):
                model = _load_current(model_dir, version)  # another process trained it meanwhile
                if model is None:
                    model = train_default(model_dir)
        return cls(model)

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
        final = self._aggregator.predict_proba(aggregator_inputs(scores, self._col, docs))[:, 1]
        return final, scores

    def score(
        self, text: str | None = None, html: str | None = None, url: str | None = None
    ) -> dict:
        """One page (plain text, or HTML and its URL) -> the result; InputRejected if unusable."""
        return self.score_document(document(text, html, url))

    def score_document(self, doc: Document) -> dict:
        """A document already built (e.g. from a page the crawler extracted) -> the result."""
        return self._results([doc])[0]

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
                        for c in with_link_contacts(
                            find_contacts(featurized.norms[i]), docs[i].links
                        )
                    ],
                    "blocks": self._top_blocks(scores.unit_ps[i], scores.doc_units[i]),
                    "terms": self._top_terms(featurized.rows, int(featurized.page_rows[i])),
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
        """The features that pushed row ``i`` (a page) most towards solicitation (value x weight).

        ``rows`` is CSR; its row is read off the arrays (scipy's row indexing costs more).
        Only positive contributions are shown, and only the largest ``TOP_TERMS`` of
        them (ties included) need sorting: the order is a stable sort's of all of them.
        """
        a, b = rows.indptr[i], rows.indptr[i + 1]
        indices = rows.indices[a:b]
        contrib = rows.data[a:b] * self._weights[indices]
        candidates = np.flatnonzero(contrib > 0)
        if len(candidates) > TOP_TERMS:
            kth = np.partition(contrib[candidates], len(candidates) - TOP_TERMS)[-TOP_TERMS]
            candidates = candidates[contrib[candidates] >= kth]
        order = candidates[np.argsort(-contrib[candidates], kind="stable")[:TOP_TERMS]]
        return [
            {"term": str(self._names[indices[k]]), "weight": round(float(contrib[k]), 6)}
            for k in order
        ]
