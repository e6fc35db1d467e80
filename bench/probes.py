"""Benchmark: the bundled model on short hand-written probes that are not in the corpus.

``data/probes/probes.jsonl`` holds texts written to probe the classifier (disguised
handles, warnings that quote them, official hotlines, pay-first ads with no handle,
…), each labelled ``solicitation`` or ``not_solicitation``. They are not training
data: scoring them one by one shows what a moderator would see, which the corpus
card (out of fold, by site) cannot, because the detectors were written while
reading the corpus' errors.

    python bench/probes.py [--model DIR] [--all]

Prints a Markdown table of suggestions per label, then every probe whose
suggestion is wrong (a solicitation passed, a non-solicitation flagged); ``--all``
lists every probe.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
from pathlib import Path

from classifier.scorer import Scorer

PROBES = Path(__file__).resolve().parent.parent / "data" / "probes" / "probes.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled model)")
    parser.add_argument("--all", action="store_true", help="list every probe, not only the wrong")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    probes = [json.loads(line) for line in PROBES.read_text(encoding="utf-8").splitlines()]
    scorer = Scorer.from_dir(args.model)
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    rows = []
    for probe in probes:
        result = scorer.score(text=probe["text"])
        counts[probe["label"]][result["suggestion"]] += 1
        wrong = (result["suggestion"] == "pass") == (probe["label"] == "solicitation")
        if wrong or args.all:
            rows.append((wrong, probe["id"], probe["label"], result["suggestion"], result["score"]))

    print(f"model {result['model']}, {len(probes)} probes from {PROBES.name}")
    print("| label | pass | review | block |\n|---|---|---|---|")
    for label, c in sorted(counts.items()):
        print(f"| {label} | {c['pass']} | {c['review']} | {c['block']} |")
    for wrong, probe_id, label, suggestion, score in rows:
        mark = "WRONG" if wrong else "ok   "
        print(f"{mark} {probe_id:24s} {label:17s} {suggestion:6s} {score:.3f}")


if __name__ == "__main__":
    main()
