"""Benchmark: the bundled model with logistic regression or a calibrated LinearSVC inside.

Trains the page model on the bundled corpus exactly as ``scamscan train`` does
(``classifier.training.train``: site-grouped out-of-fold scores, nested aggregator
choice, thresholds for 98% review recall and 99% block precision), once per
variant, and prints the cards' figures side by side as a Markdown table. Each
variant's model and card are written under ``--out``.

    python bench/linear_choice.py [--variants logreg svc:0.1 svc:0.3 svc:1] [--out DIR]

A variant is ``logreg`` or ``svc``, optionally ``:C`` (default C: ``LINEAR_C``).
Training seconds are wall clock (the card's) and this process' CPU seconds; the
machine is shared, so give ``uptime`` with them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

from classifier.scorer import save
from classifier.training import PageModel, corpus_fingerprint, corpus_training_examples, train

log = logging.getLogger("bench.linear_choice")


def parse_variant(spec: str) -> tuple[str, float | None]:
    """``"svc:0.3"`` -> ("svc", 0.3); ``"logreg"`` -> ("logreg", None)."""
    linear, _, c = spec.partition(":")
    return linear, float(c) if c else None


def row(spec: str, model: PageModel, cpu: float) -> str:
    card = model.card
    final = card["metrics"]["final"]
    review, block = final["review"], final["block"]
    return (
        f"| {spec} (C={card['text_model']['C']:g}) | {final['roc_auc']:.4f} "
        f"| {final['pr_auc']:.4f} | {final['brier']:.4f} "
        f"| {card['metrics']['page_text_only_roc_auc']:.4f} "
        f"| {review['recall']:.3f} / {review['false_positive_rate']:.3f} "
        f"| {block['precision']:.3f} / {block['recall']:.3f} "
        f"| {card['training_seconds']:.1f} / {cpu:.1f} |"
    )


HEADER = (
    "| text model | ROC-AUC | PR-AUC | Brier | page text ROC-AUC | review recall / FPR "
    "| block precision / recall | training s (wall / CPU) |\n"
    "|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", nargs="+", default=["logreg", "svc:0.1", "svc:0.3", "svc:1"])
    parser.add_argument("--out", type=Path, default=Path("/tmp/scamscan-linear-choice"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    examples = corpus_training_examples()
    version = corpus_fingerprint()
    rows = []
    for spec in args.variants:
        linear, C = parse_variant(spec)
        cpu = time.process_time()
        model = train(examples, version=f"{version}-{spec}", linear=linear, C=C)
        cpu = time.process_time() - cpu
        save(model, args.out / spec.replace(":", "-"))
        rows.append(row(spec, model, cpu))
        log.info("%s: %s", spec, json.dumps(model.card["metrics"]["final"]))
    load = os.getloadavg()
    print(HEADER)
    print("\n".join(rows))
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
