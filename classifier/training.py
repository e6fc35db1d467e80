"""Training the page model: text model, block-aware aggregation, thresholds from held-out folds.

1. The text model (``classifier.model``) learns page labels from page texts.
2. Out of fold (folds grouped by site), every page and every *unit* of it (a run
   of blocks of one place: the footer, a widget, part of the article) is scored.
3. A small logistic regression turns [page score, best unit score, where that
   unit sits] into the calibrated probability that the page solicits: a
   content-farm article with one soliciting footer scores high because its
   footer does. Its features and strength are chosen among a few candidates
   by cross-validation inside each outer fold (nested), so the out-of-fold
   scores below never saw the pages that chose them.
4. Thresholds come from out-of-fold final scores: ``review`` keeps recall of
   solicitations at or above 98%, ``block`` keeps precision at or above 99%.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import math
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from classifier.contacts import link_contact
from classifier.document import Block, Document, Link, from_html
from classifier.featurize import Featurized, PageFeaturizer
from classifier.model import LINEAR, SEED, build_pipeline, fold_splitter
from classifier.signals import Signal

log = logging.getLogger(__name__)

POSITIVE = "solicitation"
PLACES = ("main", "body", "footer", "widget", "aside", "header", "nav")
REVIEW_RECALL = 0.98
BLOCK_PRECISION = 0.99
FOLDS = 5
#: Bump when the training recipe changes: it is part of the model version.
RECIPE = "page+units/logreg-agg/v3-nested,site-calibrated,widgets-need-handles"


@dataclass
class Example:
    doc: Document
    label: str
    group: str


@dataclass
class PageModel:
    """Everything scoring needs; persisted with skops."""

    text_model: Pipeline
    aggregator: LogisticRegression
    thresholds: dict[str, float]
    card: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.card.get("version", "unversioned")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


#: Signals that put a handle in a unit: a way to reach or pay a person.
HANDLE_CODES = ("contact_handle", "contact_only", "off_platform_payment")


def aggregate_features(
    page_p: float,
    unit_ps: np.ndarray,
    unit_places: list[str],
    unit_handles: list[bool] | None = None,
) -> np.ndarray:
    """[logit page score, logit best unit score, one-hot place of the best unit,
    logit best unit score per place of it] (``AGGREGATOR_FEATURES`` names them).

    The per-place slopes let a footer's score count for more or less than an
    article's; a candidate aggregator that does without them sees them zeroed.

    A floating widget without a handle (``unit_handles``: a contact or payment
    handle, or a contact link, in the unit) is never the best unit: it is a
    back-to-top button, a share bar or a subscribe box. The corpus' widgets mostly
    solicit, so the aggregator learnt the widget place as evidence, and a short
    informational article with a "返回顶部" button was blocked.
    """
    handles = [True] * len(unit_ps) if unit_handles is None else unit_handles
    candidates = [k for k, place in enumerate(unit_places) if place != "widget" or handles[k]]
    best = max(candidates, key=lambda k: (unit_ps[k], -k)) if candidates else -1
    best_p = float(unit_ps[best]) if best >= 0 else page_p
    place = unit_places[best] if best >= 0 else "body"
    onehot = [1.0 if place == p else 0.0 for p in PLACES]
    best_logit = float(_logit(np.array(best_p)))
    return np.asarray(
        [float(_logit(np.array(page_p))), best_logit, *onehot, *(best_logit * h for h in onehot)],
        dtype=float,
    )


def unit_handles(units: list[Block], signals: list[Signal], links: tuple[Link, ...]) -> list[bool]:
    """Whether each unit holds a handle: a span of ``HANDLE_CODES`` or a contact link's anchor."""
    starts = sorted(
        [sp.start for s in signals if s.code in HANDLE_CODES for sp in s.spans]
        + [link.start for link in links if link.start >= 0 and _is_handle_link(link.url)]
    )

    def holds(unit: Block) -> bool:
        k = bisect_left(starts, unit.start)
        return k < len(starts) and starts[k] < unit.end

    return [holds(u) for u in units]


def _is_handle_link(url: str) -> bool:
    found = link_contact(url)
    return found is not None and found[0] != "url"


AGGREGATOR_FEATURES = (
    "page",
    "best_unit",
    *(f"place:{p}" for p in PLACES),
    *(f"best_unit@{p}" for p in PLACES),
)
#: Aggregator candidates: which features (a prefix of ``AGGREGATOR_FEATURES``) and C.
AGGREGATOR_COLUMNS = {"place": 2 + len(PLACES), "place+slopes": len(AGGREGATOR_FEATURES)}
AGGREGATOR_C = (0.3, 1.0, 3.0, 10.0)


def solicitation_column(model: Pipeline) -> int:
    return list(model.classes_).index(POSITIVE)


@dataclass
class PageScores:
    """Scores of a batch of pages, with the features and evidence they came from."""

    page_proba: np.ndarray  # class probabilities, one row per page
    unit_ps: list[np.ndarray]  # P(solicitation) of each unit, per page
    featurized: Featurized

    @property
    def doc_units(self) -> list[list[Block]]:
        return self.featurized.doc_units


def score_units(
    featurizer: PageFeaturizer,
    featurized: Featurized,
    col: int,
    proba: np.ndarray | None = None,
) -> list[np.ndarray]:
    """P(solicitation) of every scoring unit, split per page (``proba``: of ``featurized.rows``,
    if already computed).

    Training and scoring both come through here (``page_scores``), so the
    aggregator is trained on exactly the unit scores it sees at scoring time.
    """
    if proba is None:
        proba = _row_proba(featurizer, featurized)
    flat_p = proba[featurized.unit_rows, col]
    unit_ps, k = [], 0
    for us in featurized.doc_units:
        unit_ps.append(flat_p[k : k + len(us)])
        k += len(us)
    return unit_ps


def page_scores(featurizer: PageFeaturizer, docs: list[Document], col: int) -> PageScores:
    """Page class probabilities and unit scores, each page analysed once and each
    distinct row (a one-unit page's unit is the page) scored once."""
    featurized = featurizer.featurize(docs)
    proba = _row_proba(featurizer, featurized)
    unit_ps = score_units(featurizer, featurized, col, proba)
    return PageScores(proba[featurized.page_rows], unit_ps, featurized)


def _row_proba(featurizer: PageFeaturizer, featurized: Featurized) -> np.ndarray:
    rows = featurized.rows
    if rows.shape[0]:
        return featurizer.predict_proba(rows)
    return np.zeros((0, len(featurizer.classes_)))


def aggregator_inputs(scores: PageScores, col: int, docs: list[Document]) -> np.ndarray:
    """The aggregator's rows (``aggregate_features``) of a batch of scored pages.

    Training's out-of-fold rows and the scorer's rows are made here alike.
    """
    featurized = scores.featurized
    rows = [
        aggregate_features(
            scores.page_proba[i, col],
            unit_ps,
            [u.place for u in units],
            unit_handles(units, featurized.signals[i], docs[i].links),
        )
        for i, (unit_ps, units) in enumerate(zip(scores.unit_ps, scores.doc_units, strict=True))
    ]
    return np.vstack(rows) if rows else np.zeros((0, len(AGGREGATOR_FEATURES)))


#: Folds of the text model's inner sigmoid calibration.
CALIBRATION_FOLDS = 3


def held_out_inputs(model: Pipeline, docs: list[Document]) -> tuple[np.ndarray, np.ndarray]:
    """A fold's held-out pages scored by the text model the fold trained: their
    aggregator rows and their page scores (the out-of-fold inputs of ``train``)."""
    col = solicitation_column(model)
    scores = page_scores(PageFeaturizer(model), docs, col)
    return aggregator_inputs(scores, col, docs), scores.page_proba[:, col]


def fit_text_model(
    base: Pipeline, texts: list[str], labels: np.ndarray, groups: list[str] | None = None
) -> Pipeline:
    """A fitted copy of ``base`` whose inner calibration folds are grouped by site too.

    Calibrated on pages whose site sisters trained the model, the sigmoid learns
    site chrome as evidence and is too sure of itself on new sites. The folds are
    given for this fit only: the fitted model keeps its plain ``cv`` parameter.
    """
    model = clone(base)
    params = model.get_params()
    if groups is None or "classifier__cv" not in params or len(set(groups)) < 2 * CALIBRATION_FOLDS:
        return model.fit(texts, labels)
    inner = fold_splitter(CALIBRATION_FOLDS, grouped=True)
    model.set_params(classifier__cv=list(inner.split(texts, labels, groups)))
    model.fit(texts, labels)
    model.set_params(classifier__cv=params["classifier__cv"])
    return model


def choose_thresholds(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """review: the highest threshold keeping recall >= 98%; block: the lowest keeping
    precision >= 99% (1.0, i.e. never block automatically, if no threshold does)."""
    candidates = np.unique(scores)[::-1]
    positives = max(int(y.sum()), 1)
    review = float(candidates[-1])
    for t in candidates:
        if (y[scores >= t].sum() / positives) >= REVIEW_RECALL:
            review = float(t)
            break
    block = 1.0
    for t in candidates[::-1]:
        flagged = scores >= t
        if flagged.sum() and y[flagged].mean() >= BLOCK_PRECISION:
            block = float(t)
            break
    # Rounded for the card, in the direction that keeps each guarantee: review down, block up.
    review = math.floor(review * 1e6) / 1e6
    block = math.ceil(max(block, review) * 1e6) / 1e6
    return {"review": review, "block": min(block, 1.0)}


def oof_metrics(y: np.ndarray, scores: np.ndarray, thresholds: dict[str, float]) -> dict:
    negatives = max(int((1 - y).sum()), 1)
    out = {
        "roc_auc": float(roc_auc_score(y, scores)),
        "pr_auc": float(average_precision_score(y, scores)),
        "brier": float(brier_score_loss(y, scores)),
    }
    for name, t in thresholds.items():
        flagged = scores >= t
        out[name] = {
            "threshold": t,
            "recall": float(y[flagged].sum() / max(int(y.sum()), 1)),
            "precision": float(y[flagged].mean()) if flagged.any() else None,
            "false_positive_rate": float(((1 - y)[flagged]).sum() / negatives),
        }
    return out


@dataclass(frozen=True)
class AggregatorChoice:
    """One aggregator candidate: a feature set (``AGGREGATOR_COLUMNS``) and its C."""

    features: str
    C: float


def _masked(x: np.ndarray, features: str) -> np.ndarray:
    """``x`` with the columns this feature set does not use zeroed (they keep weight 0)."""
    out = np.array(x, dtype=float, copy=True)
    out[:, AGGREGATOR_COLUMNS[features] :] = 0.0
    return out


def fit_aggregator(x: np.ndarray, y: np.ndarray, choice: AggregatorChoice) -> LogisticRegression:
    """The aggregator of one candidate; it takes the full ``aggregate_features`` row."""
    model = LogisticRegression(C=choice.C, max_iter=1000, random_state=SEED)
    return model.fit(_masked(x, choice.features), y)


def is_monotone(aggregator: LogisticRegression) -> bool:
    """Whether the final score never falls as the page's or any place's best unit score rises.

    Per-place slopes are fitted on few pages: a place where nearly every page is a
    solicitation (floating widgets) gets its evidence from its intercept, and its
    slope is free to go negative. A widget's 0.99 then turned a guide with a QQ
    widget into 0.02 out of fold.
    """
    w = dict(zip(AGGREGATOR_FEATURES, aggregator.coef_[0], strict=True))
    slopes = [w["best_unit"] + w[f"best_unit@{p}"] for p in PLACES]
    return w["page"] >= 0 and min(slopes) >= 0


def _aggregator_oof(
    x: np.ndarray, y: np.ndarray, groups: list[str] | None, folds: int, choice: AggregatorChoice
) -> np.ndarray:
    scores = np.zeros(len(y))
    for train_idx, test_idx in fold_splitter(folds, groups is not None).split(x, y, groups):
        agg = fit_aggregator(x[train_idx], y[train_idx], choice)
        scores[test_idx] = agg.predict_proba(_masked(x[test_idx], choice.features))[:, 1]
    return scores


def choose_aggregator(
    x: np.ndarray, y: np.ndarray, groups: list[str] | None, folds: int = FOLDS
) -> AggregatorChoice:
    """The candidate with the lowest out-of-fold log loss (folds grouped by site).

    Log loss, not the review false-positive rate: that rate hangs on the two or three
    hardest positives and would pick noise. Candidates are tried simplest first, and a
    tie keeps the simpler one. A candidate whose fit lets a higher unit score lower the
    page's score (``is_monotone``) is not tried.
    """
    best, best_loss = AggregatorChoice("place", 1.0), math.inf
    for features in AGGREGATOR_COLUMNS:
        for c in AGGREGATOR_C:
            choice = AggregatorChoice(features, c)
            if not is_monotone(fit_aggregator(x, y, choice)):
                continue
            loss = log_loss(y, _aggregator_oof(x, y, groups, folds, choice), labels=[0, 1])
            if loss < best_loss - 1e-9:
                best, best_loss = choice, loss
    return best


def nested_aggregator_oof(
    x: np.ndarray, y: np.ndarray, groups: list[str] | None, folds: int = FOLDS
) -> tuple[np.ndarray, list[AggregatorChoice]]:
    """Out-of-fold final scores where each fold's aggregator was chosen without it.

    The thresholds are set on these scores, so the choice must not have seen them.
    """
    scores = np.zeros(len(y))
    choices = []
    for train_idx, test_idx in fold_splitter(folds, groups is not None).split(x, y, groups):
        inner_groups = [groups[i] for i in train_idx] if groups is not None else None
        choice = choose_aggregator(x[train_idx], y[train_idx], inner_groups, folds)
        agg = fit_aggregator(x[train_idx], y[train_idx], choice)
        scores[test_idx] = agg.predict_proba(_masked(x[test_idx], choice.features))[:, 1]
        choices.append(choice)
    return scores, choices


def train(
    examples: list[Example],
    folds: int = FOLDS,
    version: str | None = None,
    linear: str = LINEAR,
    C: float | None = None,
) -> PageModel:
    """Fit the text model and the aggregator; thresholds and metrics out of fold.

    ``linear`` and ``C`` choose the text model's linear step (``build_pipeline``):
    a variant is trained and carded exactly as the default, so the cards compare.
    """
    started = time.perf_counter()
    docs = [e.doc for e in examples]
    labels = np.asarray([e.label for e in examples])
    groups = [e.group for e in examples]
    y = (labels == POSITIVE).astype(int)
    base = build_pipeline(linear=linear, C=C)  # refuses an unknown ``linear``
    head = base.named_steps["classifier"]
    C = getattr(head, "estimator", head).C  # the C the pipeline took (its default if None)
    agg_x = np.zeros((len(docs), len(AGGREGATOR_FEATURES)))
    page_oof = np.zeros(len(docs))
    splitter = fold_splitter(folds, groups is not None)
    for fold, (train_idx, test_idx) in enumerate(splitter.split(docs, labels, groups)):
        model = fit_text_model(
            base,
            [docs[i].text for i in train_idx],
            labels[train_idx],
            [groups[i] for i in train_idx],
        )
        agg_x[test_idx], page_oof[test_idx] = held_out_inputs(model, [docs[i] for i in test_idx])
        log.info("fold %d/%d done (%.1f s)", fold + 1, folds, time.perf_counter() - started)

    # Out-of-fold final scores (the aggregator itself chosen and fitted without the
    # fold) set the thresholds; the shipped aggregator is chosen the same way on all pages.
    final_oof, fold_choices = nested_aggregator_oof(agg_x, y, groups, folds)
    thresholds = choose_thresholds(y, final_oof)
    choice = choose_aggregator(agg_x, y, groups, folds)
    aggregator = fit_aggregator(agg_x, y, choice)
    text_model = fit_text_model(base, [d.text for d in docs], labels, groups)

    card = {
        "version": version or "unversioned",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "recipe": RECIPE,
        "text_model": {"linear": linear, "C": C},
        "thresholds": thresholds,
        "aggregator": {
            "features": choice.features,
            "C": choice.C,
            "weights": dict(
                zip(AGGREGATOR_FEATURES, np.round(aggregator.coef_[0], 4).tolist(), strict=True)
            ),
            "chosen_in_outer_folds": [f"{c.features} C={c.C:g}" for c in fold_choices],
        },
        "metrics": {
            "evaluation": f"{folds}-fold out-of-fold, folds grouped by site "
            "(the text model's calibration folds and the aggregator's choice too)",
            "final": oof_metrics(y, final_oof, thresholds),
            "page_text_only_roc_auc": float(roc_auc_score(y, page_oof)),
        },
        "corpus": {
            "pages": len(docs),
            "sites": len(set(groups)),
            "labels": {label: int((labels == label).sum()) for label in sorted(set(labels))},
        },
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return PageModel(text_model, aggregator, thresholds, card)


def corpus_training_examples(sites_dir: Path | None = None) -> list[Example]:
    """The bundled corpus as training examples: each page's crawler extraction, grouped by site."""
    from corpus.manifest import default_sites_dir, load_sites

    examples = []
    for site in load_sites(sites_dir or default_sites_dir()):
        for page in site.pages:
            doc = from_html(page.read_text(), f"http://{site.id}.invalid{page.path}")
            examples.append(Example(doc, page.label, site.id))
    return examples


def corpus_fingerprint(sites_dir: Path | None = None) -> str:
    """A hash of every file of the corpus and the training recipe: the model's version."""
    from corpus.manifest import default_sites_dir

    root = sites_dir or default_sites_dir()
    digest = hashlib.sha256(RECIPE.encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    here = Path(__file__).resolve().parent
    code = [
        here / m
        for m in (
            "model.py",
            "training.py",
            "signals.py",
            "normalize.py",
            "contacts.py",
            "tokenize.py",
            "document.py",
            "featurize.py",  # what a unit's features are: the aggregator is trained on them
        )
    ]
    code.append(here.parent / "crawler" / "extract.py")  # the page text training sees
    for path in code:
        digest.update(path.read_bytes())
    for package in ("scikit-learn", "skops", "rjieba", "opencc", "trafilatura"):
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    digest.update(
        (
            Path(__file__).resolve().parent.parent / "data" / "dictionaries" / "domain_words.txt"
        ).read_bytes()
    )
    return digest.hexdigest()[:12]
