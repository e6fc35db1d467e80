"""Benchmark: where one core's scoring time goes, stage by stage, against the 5 MB/s aim.

Each stage is timed alone, over the same pages as ``bench/score_speed.py`` (the
corpus page texts, repeated to about ``--mb`` MB), by calling the public function
that does it. ``Scorer.score_many`` is then timed whole; "everything else" is the
difference (n-gram columns and counts, the CSR matrix, the linear model, unit
scores, the aggregator and the result dicts).

The aim of 5 MB/s per core leaves 200 ms for each MB. The first rows are work
every result needs whatever the model (checking the input and cutting it into
blocks, normalising disguises, segmenting with jieba); the table shows what
they leave for the rest.

The last row is a floor, not a stage: the regular expressions the detectors
search with (those ``Normalized.found`` keeps: recorded while the pages' signals
are found), each searched once over every page, with no logic around them.
Those searches plus the work every result needs are the least any design that
keeps Python's ``re`` for detection can cost.

    python bench/score_stages.py [--mb 4] [--repeat 3] [--model DIR]

Each figure is the best of ``--repeat`` runs (the least disturbed by other work).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import time
from collections.abc import Callable
from pathlib import Path

import jieba
import rjieba
from corpus_pages import corpus_pages

from classifier.document import Document, document, units
from classifier.normalize import Normalized, normalize
from classifier.scorer import Scorer
from classifier.signals import detect_signals
from classifier.tokenize import JiebaTokenizer, read_words

AIM_MS_PER_MB = 200.0  # 5 MB/s


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled model)")
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)

    _, pages, mb = corpus_pages(args.mb)

    docs = [document(text=t) for t in pages]
    norms = [normalize(d.text) for d in docs]
    engine = rjieba.Jieba()
    tokenizer = JiebaTokenizer(read_words())
    for word in tokenizer.words:
        engine.add_word(word, None, None)
    scorer = Scorer.from_dir(args.model)
    scorer.score(text=pages[0])  # warm up (lazy tokenizer, caches)

    def best(work: Callable[[], object]) -> float:
        """ms per MB, the best of the runs."""
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            work()
            runs.append(time.perf_counter() - started)
        return min(runs) * 1000 / mb

    def best_fresh(work: Callable[[list[Normalized]], object], pages_first: bool = False) -> float:
        """ms per MB of ``work`` on fresh normalisations (a ``Normalized`` keeps the matches
        it has found: a second run on the same one would find them for free), the
        pages' signals found first (untimed) if ``pages_first``, as the scorer does."""
        runs = []
        for _ in range(args.repeat):
            fresh = [normalize(d.text) for d in docs]
            if pages_first:
                _each(detect_signals, fresh)
            started = time.perf_counter()
            work(fresh)
            runs.append(time.perf_counter() - started)
        return min(runs) * 1000 / mb

    cut = engine.cut
    stages = [
        ("input check and blocks: `document()`", best(lambda: _each(document, pages))),
        ("normalisation: `normalize()`", best(lambda: _each(normalize, [d.text for d in docs]))),
        ("segmentation: `rjieba.cut` alone", best(lambda: [cut(n.text, False) for n in norms])),
        ("tokens and offsets: `JiebaTokenizer.pieces`", best(lambda: _pieces(tokenizer, norms))),
        ("signals and contacts of pages: `detect_signals()`", best_fresh(_page_signals)),
        ("signals of units (not whole pages)", best_fresh(_unit_signals(docs), pages_first=True)),
    ]
    total = best(lambda: sum(1 for _ in scorer.score_many({"text": t} for t in pages)))
    patterns = _searched_patterns(docs)
    texts = [n.text for n in norms]
    searches = best(lambda: [p.findall(t) for t in texts for p in patterns])

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"input: {len(pages)} pages, {mb:.2f} MB UTF-8; best of {args.repeat} runs")
    print("| stage | ms per MB | share of `score_many` |")
    print("|---|---|---|")
    counted = 0.0
    for name, ms in stages:
        print(f"| {name} | {ms:.0f} | {ms / total:.0%} |")
        if "alone" not in name:  # rjieba.cut is inside pieces
            counted += ms
    print(
        f"| everything else (n-grams, matrix, model, units, results) | {total - counted:.0f} | "
        f"{(total - counted) / total:.0%} |"
    )
    print(f"| **`Scorer.score_many`, whole** | **{total:.0f}** ({1000 / total:.2f} MB/s) | 100% |")
    needed = sum(ms for name, ms in stages[:2]) + stages[3][1]
    print(
        f"| floor: the detectors' {len(patterns)} regular expressions, each searched once per "
        f"page, no logic | {searches:.0f} | {searches / total:.0%} |"
    )
    print(
        f"\nThe aim, 5 MB/s, is {AIM_MS_PER_MB:.0f} ms per MB. Input check, normalisation and "
        f"segmentation alone take {needed:.0f} ms per MB, leaving {AIM_MS_PER_MB - needed:.0f} "
        "for signals, contacts, features, the model and the evidence. With one search of "
        f"each detector pattern the floor is {needed + searches:.0f} ms per MB "
        f"({1000 / (needed + searches):.1f} MB/s), before any n-gram, unit, model or evidence."
    )


def _each(function: Callable[[object], object], items: list) -> None:
    for item in items:
        function(item)


def _pieces(tokenizer: JiebaTokenizer, norms: list[Normalized]) -> None:
    for norm in norms:
        tokenizer.pieces(norm.text)


def _page_signals(norms: list[Normalized]) -> None:
    for norm in norms:
        detect_signals(norm)


def _searched_patterns(docs: list[Document]) -> list[re.Pattern[str]]:
    """Every pattern the detectors search pages with, recorded by wrapping ``Normalized.found``."""
    seen: dict[str, re.Pattern[str]] = {}
    found = Normalized.found

    def recording(self: Normalized, key: str, pattern: re.Pattern[str], *args, **kwargs):
        seen.setdefault(key, pattern)
        return found(self, key, pattern, *args, **kwargs)

    Normalized.found = recording  # type: ignore[method-assign]
    try:
        _page_signals([normalize(d.text) for d in docs])
    finally:
        Normalized.found = found  # type: ignore[method-assign]
    return list(seen.values())


def _unit_signals(docs: list[Document]) -> Callable[[list[Normalized]], None]:
    """Signals of every unit that is not its whole page (such a unit reuses the page's)."""
    spans = [
        [(u.start, u.end) for u in units(d) if not (u.start == 0 and u.end == len(d.text))]
        for d in docs
    ]

    def work(norms: list[Normalized]) -> None:
        for norm, unit_spans in zip(norms, spans, strict=True):
            for start, end in unit_spans:
                detect_signals(norm.lines(start, end))

    return work


if __name__ == "__main__":
    main()
