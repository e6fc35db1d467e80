"""Benchmark: the text features and the model of batch scoring, without normalisation and signals.

``Scorer.score_many`` spends its time in two halves: normalisation and signal
detection (``classifier/normalize.py``, ``signals.py``, ``contacts.py``), and
everything else a batch needs, which this script times: segmentation, n-gram
lookups, counting and weighting the rows of pages and units, the linear model
and the aggregator (``page_scores`` + ``aggregator_inputs``, batches of 64 as
``score_many`` makes them). Normalised texts and signals are computed once
before timing and served from memory, so changes on either half can be
measured on their own.

Input: the corpus page texts repeated to about ``--mb`` MB. Reports CPU time
(``time.process_time``) per pass, best of ``--passes``.

    python bench/feature_speed.py [--mb 2] [--passes 5] [--model DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from corpus_pages import corpus_pages

import classifier.featurize as featurize
from classifier.document import document
from classifier.scorer import Scorer
from classifier.training import aggregator_inputs, page_scores


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled model)")
    args = parser.parse_args()

    _, pages, size_mb = corpus_pages(args.mb)
    scorer = Scorer.from_dir(args.model)
    docs = [document(text=t) for t in pages]
    _serve_from_memory()

    def one_pass() -> None:
        for i in range(0, len(docs), 64):
            batch = docs[i : i + 64]
            scores = page_scores(scorer._featurizer, batch, scorer._col)
            scorer._aggregator.predict_proba(aggregator_inputs(scores, scorer._col, batch))

    one_pass()  # computes and keeps the normalised texts and signals
    seconds = []
    for _ in range(args.passes):
        started = time.process_time()
        one_pass()
        seconds.append(time.process_time() - started)
    best = min(seconds)
    print(f"input: {len(pages)} pages, {size_mb:.2f} MB UTF-8 (corpus page texts, repeated)")
    print(f"CPU s per pass: {' '.join(f'{s:.3f}' for s in seconds)}")
    print(f"features + model, one core: {size_mb / best:.2f} MB/s (best pass {best:.3f} s)")


def _serve_from_memory() -> None:
    """Normalisation and signal detection, as ``featurize`` calls them, computed once each."""
    normalize, detect_signals = featurize.normalize, featurize.detect_signals
    norms: dict[str, object] = {}
    signals: dict[object, object] = {}

    def normalized(text: str):
        if text not in norms:
            norms[text] = normalize(text)
        return norms[text]

    def detected(text):
        key = text if isinstance(text, str) else id(text)  # a Normalized: kept in ``norms``
        if key not in signals:
            signals[key] = detect_signals(text)
        return signals[key]

    featurize.normalize = normalized
    featurize.detect_signals = detected


if __name__ == "__main__":
    main()
