"""Benchmark: the bundled model with logistic regression or a calibrated LinearSVC inside.

Trains the page model on the bundled corpus exactly as ``scamscan train`` does
(``classifier.training.train``: site-grouped out-of-fold scores, nested aggregator
choice, thresholds for 98% review recall and 99% block precision), once per
variant, and prints the cards' figures side by side as a Markdown table. Each
variant's model and card are written under ``--out``.

    python bench/linear_choice.py [--variants logreg svc:0.1 svc:0.3 svc:1] [--out DIR]
    python bench/linear_choice.py --nested svc:0.03 svc:0.1 svc:0.3 svc:1

A variant is ``logreg`` or ``svc``, optionally ``:C`` (default C: ``LINEAR_C``).
Training seconds are wall clock (the card's) and this process' CPU seconds; the
machine is shared, so give ``uptime`` with them.

``--nested`` answers "which C?" without looking at the folds it is measured on:
in each outer fold of ``train``, the variant is chosen by the log loss of the text
model's P(solicitation) in an inner site-grouped 3-fold CV of the training pages
alone, then fitted on them and scored on the outer fold; aggregator, thresholds
and figures follow as in ``train``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from classifier.featurize import PageFeaturizer
from classifier.model import build_pipeline, fold_splitter
from classifier.scorer import save
from classifier.training import (
    AGGREGATOR_FEATURES,
    CALIBRATION_FOLDS,
    FOLDS,
    POSITIVE,
    Example,
    PageModel,
    choose_thresholds,
    corpus_fingerprint,
    corpus_training_examples,
    fit_text_model,
    held_out_inputs,
    nested_aggregator_oof,
    oof_metrics,
    solicitation_column,
    train,
)

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


def inner_log_loss(examples: list[Example], spec: str) -> float:
    """Log loss of P(solicitation) of the text model ``spec``, out of site-grouped inner folds."""
    linear, C = parse_variant(spec)
    base = build_pipeline(linear=linear, C=C)
    labels = np.asarray([e.label for e in examples])
    groups = [e.group for e in examples]
    p = np.zeros(len(examples))
    for train_idx, test_idx in fold_splitter(CALIBRATION_FOLDS, True).split(
        examples, labels, groups
    ):
        model = fit_text_model(
            base,
            [examples[i].doc.text for i in train_idx],
            labels[train_idx],
            [groups[i] for i in train_idx],
        )
        featurizer = PageFeaturizer(model)
        pages = featurizer.featurize([examples[i].doc for i in test_idx]).pages
        p[test_idx] = featurizer.predict_proba(pages)[:, solicitation_column(model)]
    return float(log_loss(labels == POSITIVE, p, labels=[False, True]))


def nested(examples: list[Example], specs: list[str]) -> tuple[dict, list[str]]:
    """``train``'s out-of-fold figures with the variant chosen inside each outer fold."""
    docs = [e.doc for e in examples]
    labels = np.asarray([e.label for e in examples])
    groups = [e.group for e in examples]
    y = (labels == POSITIVE).astype(int)
    agg_x = np.zeros((len(docs), len(AGGREGATOR_FEATURES)))
    page_oof = np.zeros(len(docs))
    chosen = []
    for fold, (train_idx, test_idx) in enumerate(
        fold_splitter(FOLDS, True).split(docs, labels, groups)
    ):
        inner = [examples[i] for i in train_idx]
        losses = [inner_log_loss(inner, spec) for spec in specs]
        spec = specs[int(np.argmin(losses))]
        log.info("outer fold %d: inner log loss %s -> %s", fold + 1, losses, spec)
        chosen.append(spec)
        linear, C = parse_variant(spec)
        model = fit_text_model(
            build_pipeline(linear=linear, C=C),
            [docs[i].text for i in train_idx],
            labels[train_idx],
            [groups[i] for i in train_idx],
        )
        agg_x[test_idx], page_oof[test_idx] = held_out_inputs(model, [docs[i] for i in test_idx])
    final, _ = nested_aggregator_oof(agg_x, y, groups, FOLDS)
    metrics = oof_metrics(y, final, choose_thresholds(y, final))
    metrics["page_text_only_roc_auc"] = float(roc_auc_score(y, page_oof))
    return metrics, chosen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", nargs="+", default=["logreg", "svc:0.1", "svc:0.3", "svc:1"])
    parser.add_argument("--out", type=Path, default=Path("/tmp/scamscan-linear-choice"))
    parser.add_argument("--nested", nargs="+", metavar="VARIANT", help="choose among these")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    examples = corpus_training_examples()
    if args.nested:
        started, cpu = time.perf_counter(), time.process_time()
        metrics, chosen = nested(examples, args.nested)
        print(json.dumps({"chosen_in_outer_folds": chosen, **metrics}, indent=2))
        print(
            f"{time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu:.0f} s CPU, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        return
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
