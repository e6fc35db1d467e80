"""Benchmark: `scamscan cv`'s pipeline on real third-party labelled Chinese texts.

Reads ../shared/datasets when it exists (it is outside the project on purpose:
nothing from it is copied here) and runs stratified 5-fold CV of the same
pipeline as `scamscan cv`:

- FBS spam SMS (Zhang et al., CCS 2020) as 4 groups: AD / FR / IL / Other;
- telecom fraud texts (Li, Zhang, Jiang, Appl. Sci. 2024) as 5 classes.

    python bench/cv_shared_datasets.py [--datasets DIR] [--only fbs|telecom] [--no-calibration]
                                       [--tune]

--tune picks the classifier on each training fold by an inner 3-fold CV
(classifier.tuning): nested CV, nothing chosen by looking at a test fold.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path

from classifier.evaluate import cross_validate
from classifier.model import build_pipeline

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def load_fbs(root: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for file in sorted((root / "fbs-sms").glob("*.txt")):
        group = file.stem.split("__")[0] if "__" in file.stem else file.stem
        for line in file.read_text("utf-8").splitlines():
            if line.strip():
                texts.append(line)
                labels.append(group)
    return texts, labels


def load_telecom(root: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for file in sorted((root / "telecom-fraud-texts").glob("*.csv")):
        with file.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("content", "").strip():
                    texts.append(row["content"])
                    labels.append(row["label"])
    return texts, labels


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--only", choices=("fbs", "telecom"))
    parser.add_argument("--no-calibration", action="store_true")
    parser.add_argument("--tune", action="store_true", help="nested CV over classifier.tuning")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not args.datasets.is_dir():
        sys.exit(f"{args.datasets}: not found (the shared datasets are optional)")
    loaders = {"fbs": load_fbs, "telecom": load_telecom}
    for name, loader in loaders.items():
        if args.only and name != args.only:
            continue
        texts, labels = loader(args.datasets)
        report = cross_validate(
            texts,
            labels,
            pipeline=build_pipeline(calibrate=not args.no_calibration),
            tune=args.tune,
        )
        print(f"## {name}\n\n{report.markdown()}\n", flush=True)
        print(json.dumps({"dataset": name, **report.as_dict()}), file=sys.stderr)


if __name__ == "__main__":
    main()
