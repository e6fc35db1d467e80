"""Evaluation metrics for ``scamscan eval``: scores against a moderator's own labels.

Pure functions over ``(y_true, scores, thresholds)``: ``y_true`` is 1 for
solicitation / fraud and 0 otherwise, ``scores`` are calibrated
P(solicitation) in [0, 1], and ``thresholds`` maps a name (``review``,
``block``) to the score at or above which a page counts as flagged, the same
rule the scorer uses for its suggestion.

Undefined figures are ``None`` with a note saying why, never NaN and never a
crash: ROC-AUC needs both classes, PR-AUC needs a positive, precision needs a
flagged page, recall needs a positive.

Calibration bins use ``sklearn.calibration.calibration_curve`` with
``strategy="uniform"`` and ten bins: equal-width score ranges 0-0.1, ..., 0.9-1.0,
so the bins mean the same thing from one file to the next and line up with the
thresholds; empty bins are left out. Quantile bins would have equal counts but
edges that move with every file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, roc_auc_score

CALIBRATION_BINS = 10
CALIBRATION_STRATEGY = "uniform"


@dataclass
class ThresholdMetrics:
    """Flagged means score >= threshold."""

    threshold: float
    precision: float | None
    recall: float | None
    f1: float | None
    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def flagged(self) -> int:
        return self.tp + self.fp


@dataclass
class CalibrationBin:
    lo: float
    hi: float
    count: int
    mean_score: float  # sklearn's prob_pred
    fraction_positive: float  # sklearn's prob_true


@dataclass
class EvalReport:
    n: int
    positives: int
    negatives: int
    thresholds: dict[str, ThresholdMetrics]
    roc_auc: float | None
    pr_auc: float | None  # average precision
    brier: float
    calibration_strategy: str
    calibration_n_bins: int
    calibration: list[CalibrationBin]
    ece: float  # expected calibration error: count-weighted |fraction_positive - mean_score|
    notes: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # caller's context: model, input, labels, ...

    def as_dict(self) -> dict:
        return asdict(self)

    def markdown(self, plot: str | None = None) -> str:
        """The report as Markdown; ``plot`` is a path to the calibration PNG to link."""
        lines = ["# scamscan evaluation", ""]
        for key, value in self.meta.items():
            lines.append(f"- **{key.replace('_', ' ')}**: {_meta_value(value)}")
        if self.meta:
            lines.append("")
        lines += [
            f"{self.n} texts: {self.positives} positive (solicitation), {self.negatives} negative.",
            "",
            "## At the thresholds",
            "",
            "A text is flagged when its score is at or above the threshold.",
            "",
            "| threshold | score ≥ | precision | recall | F1 | TP | FP | TN | FN |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, m in self.thresholds.items():
            lines.append(
                f"| {name} | {m.threshold:.4f} | {_fmt(m.precision)} | {_fmt(m.recall)} "
                f"| {_fmt(m.f1)} | {m.tp} | {m.fp} | {m.tn} | {m.fn} |"
            )
        lines += ["", "## Confusion matrices", ""]
        for name, m in self.thresholds.items():
            lines += [
                f"**{name}** (score ≥ {m.threshold:.4f})",
                "",
                "| | flagged | not flagged |",
                "|---|---|---|",
                f"| positive | {m.tp} (TP) | {m.fn} (FN) |",
                f"| negative | {m.fp} (FP) | {m.tn} (TN) |",
                "",
            ]
        lines += [
            "## Whatever the threshold",
            "",
            "| metric | value |",
            "|---|---|",
            f"| ROC-AUC | {_fmt(self.roc_auc)} |",
            f"| PR-AUC (average precision) | {_fmt(self.pr_auc)} |",
            f"| Brier score (lower is better) | {self.brier:.4f} |",
            f"| expected calibration error | {self.ece:.4f} |",
            "",
            "## Calibration",
            "",
            f"{self.calibration_n_bins} {self.calibration_strategy} bins of the score "
            "(sklearn `calibration_curve`); empty bins are left out. A calibrated model "
            "has the fraction of positives close to the mean score in every bin.",
            "",
            "| scores | texts | mean score | fraction positive |",
            "|---|---|---|---|",
        ]
        for b in self.calibration:
            lines.append(
                f"| {b.lo:.1f}–{b.hi:.1f} | {b.count} | {b.mean_score:.3f} "
                f"| {b.fraction_positive:.3f} |"
            )
        if plot:
            lines += ["", f"![calibration plot]({plot})"]
        if self.notes:
            lines += ["", "## Notes", ""]
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.4f}"


def _meta_value(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} ({v})" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _check(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    if y.ndim != 1 or s.ndim != 1:
        raise ValueError("y_true and scores must be one-dimensional")
    if len(y) != len(s):
        raise ValueError(f"{len(y)} labels but {len(s)} scores")
    if len(y) == 0:
        raise ValueError("nothing to evaluate: no texts")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must be 0 (negative) or 1 (positive)")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite numbers")
    if s.min() < 0 or s.max() > 1:
        raise ValueError("scores must lie in [0, 1]")
    return y.astype(int), s


def at_threshold(y_true, scores, threshold: float) -> ThresholdMetrics:
    """Precision, recall, F1 and the confusion matrix when score >= threshold flags a text."""
    y, s = _check(y_true, scores)
    flagged = s >= threshold
    tp = int(np.sum(flagged & (y == 1)))
    fp = int(np.sum(flagged & (y == 0)))
    fn = int(np.sum(~flagged & (y == 1)))
    tn = int(np.sum(~flagged & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ThresholdMetrics(float(threshold), precision, recall, f1, tp, fp, tn, fn)


def brier_score(y_true, scores) -> float:
    """Mean squared difference between score and outcome (0 is perfect)."""
    y, s = _check(y_true, scores)
    return float(np.mean((s - y) ** 2))


def calibration_bins(
    y_true, scores, n_bins: int = CALIBRATION_BINS, strategy: str = CALIBRATION_STRATEGY
) -> list[CalibrationBin]:
    """Non-empty bins of sklearn's ``calibration_curve``, with their edges and counts.

    The counts use sklearn's own bin assignment (``searchsorted`` on the inner
    edges), so bin k holds scores in (edge k, edge k+1], the first bin also 0.
    """
    y, s = _check(y_true, scores)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=n_bins, strategy=strategy, pos_label=1)
    if strategy == "quantile":
        edges = np.percentile(s, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], s), minlength=n_bins)
    nonzero = np.flatnonzero(counts)
    assert len(nonzero) == len(prob_true)  # same binning as sklearn
    return [
        CalibrationBin(
            lo=round(float(edges[k]), 10),
            hi=round(float(edges[k + 1]), 10),
            count=int(counts[k]),
            mean_score=float(pred),
            fraction_positive=float(true),
        )
        for k, true, pred in zip(nonzero, prob_true, prob_pred, strict=True)
    ]


def evaluate(y_true, scores, thresholds: dict[str, float], meta: dict | None = None) -> EvalReport:
    """Every figure of the evaluation report; ``meta`` is shown as given (model, input, ...)."""
    y, s = _check(y_true, scores)
    n, positives = len(y), int(y.sum())
    negatives = n - positives
    notes: list[str] = []
    per_threshold = {name: at_threshold(y, s, value) for name, value in thresholds.items()}
    if positives == 0 or negatives == 0:
        only = "positive" if negatives == 0 else "negative"
        notes.append(
            f"Only {only} texts: ROC-AUC is undefined (it needs both classes) and is "
            "reported as undefined (null in JSON)."
        )
        roc_auc = None
    else:
        roc_auc = float(roc_auc_score(y, s))
    if positives == 0:
        notes.append(
            "No positive texts: PR-AUC and recall are undefined (null in JSON), and so is F1."
        )
        pr_auc = None
    else:
        pr_auc = float(average_precision_score(y, s))
    for name, m in per_threshold.items():
        if m.flagged == 0:
            notes.append(
                f"No text scored at or above the {name} threshold ({m.threshold:.4f}): "
                "precision and F1 there are undefined (null in JSON)."
            )
    bins = calibration_bins(y, s)
    ece = float(sum(b.count * abs(b.fraction_positive - b.mean_score) for b in bins) / n)
    if n < 100:
        notes.append(
            f"Only {n} texts: every figure here has a wide margin of error; "
            "a few hundred labelled texts give steadier numbers."
        )
    return EvalReport(
        n=n,
        positives=positives,
        negatives=negatives,
        thresholds=per_threshold,
        roc_auc=roc_auc,
        pr_auc=pr_auc,
        brier=brier_score(y, s),
        calibration_strategy=CALIBRATION_STRATEGY,
        calibration_n_bins=CALIBRATION_BINS,
        calibration=bins,
        ece=ece,
        notes=notes,
        meta=dict(meta or {}),
    )
