"""The calibration plot of ``scamscan eval``: a PNG, drawn without any display.

The figure is built with matplotlib's object API on the Agg canvas (no pyplot,
no global figure state, no GUI backend), under matplotlib's default style so a
user's matplotlibrc cannot change it, and saved without the "Software" metadata
that names the matplotlib version. The same report gives the same bytes with
the same matplotlib and FreeType.

Labels are in English: a CJK font cannot be assumed on a moderator's machine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier.metrics import EvalReport

POSITIVE_COLOUR = "#c0392b"
NEGATIVE_COLOUR = "#2e86c1"
THRESHOLD_STYLES = (("#e67e22", "--"), ("#8e44ad", "-."), ("#16a085", ":"))


def calibration_plot(report: EvalReport, y_true, scores, path: Path, title: str = "") -> Path:
    """Reliability curve + diagonal (top) and score histogram by class (bottom) -> PNG at ``path``.

    ``y_true`` / ``scores`` are the arrays the report was computed from (for the histogram).
    """
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    y = np.asarray(y_true).astype(int)
    s = np.asarray(scores, dtype=float)
    with matplotlib.style.context("default"):
        fig = Figure(figsize=(6.4, 7.2), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        curve, hist = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1.4)})

        curve.plot(
            [0, 1], [0, 1], color="0.55", linestyle="--", linewidth=1, label="perfectly calibrated"
        )
        if report.calibration:
            means = [b.mean_score for b in report.calibration]
            fractions = [b.fraction_positive for b in report.calibration]
            sizes = [20 + 180 * b.count / report.n for b in report.calibration]
            curve.plot(
                means,
                fractions,
                color="black",
                linewidth=1.5,
                zorder=3,
                label=f"model ({report.calibration_strategy} bins)",
            )
            curve.scatter(means, fractions, s=sizes, color="black", zorder=4)
        styles = THRESHOLD_STYLES * 4
        for (colour, style), (name, m) in zip(styles, report.thresholds.items(), strict=False):
            for ax in (curve, hist):
                ax.axvline(
                    m.threshold,
                    color=colour,
                    linestyle=style,
                    linewidth=1.2,
                    label=f"{name} ≥ {m.threshold:.3f}" if ax is curve else None,
                )
        curve.set_xlim(0, 1)
        curve.set_ylim(-0.02, 1.02)
        curve.set_ylabel("fraction of texts that are positive")
        curve.legend(loc="best", fontsize="small")
        curve.grid(True, color="0.9")
        brier = f"Brier {report.brier:.3f}, ECE {report.ece:.3f}"
        curve.set_title(
            (title + "\n" if title else "") + f"Calibration on {report.n} texts ({brier})",
            fontsize="medium",
        )

        edges = np.linspace(0, 1, report.calibration_n_bins * 2 + 1)
        hist.hist(
            [s[y == 0], s[y == 1]],
            bins=edges,
            stacked=True,
            color=[NEGATIVE_COLOUR, POSITIVE_COLOUR],
            label=[f"negative ({report.negatives})", f"positive ({report.positives})"],
        )
        hist.set_ylim(0, max(1.0, hist.get_ylim()[1] * 1.35))  # room for the legend
        hist.set_xlabel("score: calibrated P(solicitation)")
        hist.set_ylabel("texts")
        hist.legend(loc="upper center", ncols=2, fontsize="small")
        hist.grid(True, axis="y", color="0.9")

        path = Path(path)
        fig.savefig(path, format="png", metadata={"Software": None})
    return path
